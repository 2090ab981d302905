"""Campaigns the customer can take part in, with their progress, and opting in."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

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
        messages.error(request, plain_words(exc, not_found=_("This campaign is not open to you any more.")))
    else:
        messages.success(request, _("You're in! We'll let you know when you earn your reward."))
    return redirect(request.back_url)
