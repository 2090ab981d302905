"""The wallet page ("Ready to Redeem" and the "Rewards Store") and its actions, the member card a till scans,
and redeeming at the counter: a confirmation first, then a screen for the cashier."""

from datetime import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.core.errors import OfferNotInWallet, OfferNotRedeemable
from apps.loyalty.member_codes import member_code_issue
from apps.loyalty.selectors import wallet_item_get
from apps.loyalty.services import offer_redeem, promo_code_claim, reward_purchase, wallet_read_record

from ..forms import PromoCodeForm
from ..qr import qr_svg
from ..selectors import wallet_page_get
from .common import LOYALTY_ERRORS, customer_action, customer_required, page_number, plain_words, render_load_error

_PROMO_CODE_REFUSED = "web:promo_code_refused"


@customer_required
@require_GET
def wallet(request):
    try:
        page = wallet_page_get(
            customer=request.customer,
            offers_page=page_number(request, "offers_page"),
            rewards_page=page_number(request, "rewards_page"),
        )
    except LOYALTY_ERRORS as exc:
        return render_load_error(request, "web/wallet.html", exc)
    if page.offers is not None:
        # The step after the read: what SessionM showed keeps the wallet ledger current.
        wallet_read_record(customer=request.customer, read=page.offers.read)
    # A code that was refused comes back in its field, to fix a typo rather than type it all again.
    promo_form = PromoCodeForm(initial={"code": request.session.pop(_PROMO_CODE_REFUSED, "")})
    return render(request, "web/wallet.html", {"page": page, "promo_form": promo_form})


@customer_action("web:wallet", anchor=lambda offer_id: f"reward-{offer_id}")
def reward_buy(request, offer_id: str):
    try:
        purchase = reward_purchase(customer=request.customer, offer_id=offer_id)
    except LOYALTY_ERRORS as exc:
        messages.error(request, plain_words(exc))
    else:
        messages.success(
            request, _("%(name)s is in your wallet, ready to redeem. Enjoy!") % {"name": purchase.item.name}
        )
    return redirect(request.back_url)


@customer_action("web:wallet", anchor=lambda user_offer_id: f"offer-{user_offer_id}", asks_first=True)
def offer_use(request, user_offer_id: str):
    """GET asks "Redeem now? Show this screen to the cashier"; POST redeems and leads to the cashier's screen.
    Redeeming is deliberate: a tap in the wallet only opens this question."""
    if request.method == "GET":
        try:
            item = wallet_item_get(customer=request.customer, user_offer_id=user_offer_id)
        except LOYALTY_ERRORS as exc:
            return render_load_error(request, "web/redeem_confirm.html", exc)
        if item is None or not item.redeemable:
            messages.error(
                request,
                OfferNotInWallet.default_message if item is None else OfferNotRedeemable.default_message,
            )
            return redirect("web:wallet")
        return render(request, "web/redeem_confirm.html", {"item": item})
    try:
        redemption = offer_redeem(customer=request.customer, user_offer_id=user_offer_id)
    except LOYALTY_ERRORS as exc:
        messages.error(request, plain_words(exc))
        return redirect(request.back_url)
    # The screen is shown after a redirect (a reload must not redeem again), from what the session keeps.
    shown = request.session.get(_REDEMPTIONS_KEY, {})
    shown[user_offer_id] = {
        "name": redemption.item.name,
        "pos_discount_id": redemption.item.pos_discount_id,
        "redeemed_at": redemption.redeemed_at.isoformat(),
    }
    request.session[_REDEMPTIONS_KEY] = dict(list(shown.items())[-_REDEMPTIONS_KEPT:])
    messages.success(request, _("You redeemed %(name)s. Enjoy!") % {"name": redemption.item.name})
    return redirect("web:redemption", user_offer_id=user_offer_id)


_REDEMPTIONS_KEY = "web_redemptions"
# Screens a customer can go back to in this session (the latest ones).
_REDEMPTIONS_KEPT = 5


@customer_required
@require_GET
def redemption(request, user_offer_id: str):
    """The screen the cashier checks: the offer, a QR code with its user_offer_id, and when it was redeemed."""
    shown = request.session.get(_REDEMPTIONS_KEY, {}).get(user_offer_id)
    if shown is None:
        messages.error(request, _("This redemption is not one you made in this session."))
        return redirect("web:wallet")
    redeemed_at: datetime | None = parse_datetime(shown["redeemed_at"])
    context = {
        "name": shown["name"],
        "user_offer_id": user_offer_id,
        "pos_discount_id": shown["pos_discount_id"],
        "redeemed_at": redeemed_at,
        "qr": qr_svg(user_offer_id, label=_("Redemption code for the cashier")),
    }
    return render(request, "web/redemption.html", context)


@customer_required
@require_GET
def member_card(request):
    """ "My card": a fresh member code as a QR code for the till. Every visit (and the refresh link) issues a
    new one; each is good for one purchase and a few minutes."""
    issued = member_code_issue(customer=request.customer)
    context = {
        "issued": issued,
        "minutes": max(1, issued.ttl_seconds // 60),
        "qr": qr_svg(issued.code, label=_("Your member code")),
    }
    return render(request, "web/card.html", context)


@customer_action("web:wallet", anchor=lambda: "promo")
def promo_code(request):
    form = PromoCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(form.errors["code"][0]))
        request.session[_PROMO_CODE_REFUSED] = request.POST.get("code", "")[:64]
        return redirect(request.back_url)
    try:
        promo_code_claim(customer=request.customer, code=form.cleaned_data["code"])
    except LOYALTY_ERRORS as exc:
        messages.error(request, plain_words(exc))
        request.session[_PROMO_CODE_REFUSED] = form.cleaned_data["code"]
    else:
        messages.success(request, _("Code accepted: its offer is in your wallet, ready to redeem."))
    return redirect(request.back_url)
