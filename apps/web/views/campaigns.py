"""Campaigns the customer can take part in, with their progress, and opting in."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.accounts.models import Customer
from apps.loyalty.selectors import campaigns_list
from apps.loyalty.services import campaign_opt_in

from .common import LOYALTY_ERRORS, customer_action, customer_required, page_number, plain_words, render_load_error

CAMPAIGNS_PAGE_SIZE = 12


@customer_required
@require_GET
def campaigns(request):
    try:
        page = campaigns_list(customer=request.customer, page=page_number(request), page_size=CAMPAIGNS_PAGE_SIZE)
    except LOYALTY_ERRORS as exc:
        return render_load_error(request, "web/campaigns.html", exc)
    return render(request, "web/campaigns.html", {"page": page})


@customer_action("web:campaigns", anchor=lambda campaign_id: f"campaign-{campaign_id}")
def opt_in(request, campaign_id: str):
    try:
        campaign_opt_in(customer=request.customer, campaign_id=campaign_id)
    except LOYALTY_ERRORS as exc:
        messages.error(request, plain_words(exc))
    else:
        messages.success(request, _opted_in_words(request.customer, campaign_id))
    return redirect(request.back_url)


def _opted_in_words(customer: Customer, campaign_id: str) -> str:
    """What opting in did: some campaigns reward the opt-in itself, and the card then says Completed, so the
    message must not promise a reward still to come."""
    try:
        page = campaigns_list(customer=customer, page=1, page_size=100)
    except LOYALTY_ERRORS:
        page = None
    campaign = next((c for c in page.results if c.id == campaign_id), None) if page else None
    if campaign is not None and campaign.state == "completed":
        return _("You're in, and you've already earned the reward: it's in your wallet, ready to redeem.")
    return _("You're in! Your progress shows on the campaign's card; the reward goes to your wallet once earned.")
