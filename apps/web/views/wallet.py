"""The wallet page ("Ready to Redeem" and the "Rewards Store") and its two actions."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.loyalty.services import offer_redeem, promo_code_claim, reward_purchase

from ..forms import PromoCodeForm
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
    # A code that was refused comes back in its field, to fix a typo rather than type it all again.
    promo_form = PromoCodeForm(initial={"code": request.session.pop(_PROMO_CODE_REFUSED, "")})
    return render(request, "web/wallet.html", {"page": page, "promo_form": promo_form})


@customer_action("web:wallet", anchor=lambda offer_id: f"reward-{offer_id}")
def reward_buy(request, offer_id: str):
    try:
        purchase = reward_purchase(customer=request.customer, offer_id=offer_id)
    except LOYALTY_ERRORS as exc:
        messages.error(request, plain_words(exc, not_found=_("This reward is no longer in the Rewards Store.")))
    else:
        messages.success(
            request, _("%(name)s is in your wallet, ready to redeem. Enjoy!") % {"name": purchase.item.name}
        )
    return redirect(request.back_url)


@customer_action("web:wallet", anchor=lambda user_offer_id: f"offer-{user_offer_id}")
def offer_use(request, user_offer_id: str):
    try:
        redemption = offer_redeem(customer=request.customer, user_offer_id=user_offer_id)
    except LOYALTY_ERRORS as exc:
        messages.error(request, plain_words(exc, not_found=_("This offer is not in your wallet.")))
    else:
        messages.success(request, _("You redeemed %(name)s. Enjoy!") % {"name": redemption.item.name})
    return redirect(request.back_url)


@customer_action("web:wallet", anchor=lambda: "promo")
def promo_code(request):
    form = PromoCodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["code"][0])
        request.session[_PROMO_CODE_REFUSED] = request.POST.get("code", "")[:64]
        return redirect(request.back_url)
    try:
        promo_code_claim(customer=request.customer, code=form.cleaned_data["code"].upper())
    except LOYALTY_ERRORS as exc:
        messages.error(request, plain_words(exc, not_found=_("This promo code is not valid.")))
        request.session[_PROMO_CODE_REFUSED] = form.cleaned_data["code"]
    else:
        messages.success(request, _("Code accepted: its offer is in your wallet, ready to redeem."))
    return redirect(request.back_url)
