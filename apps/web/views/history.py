"""The customer's history: points (balances, tier, point history) and the activity log."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.core.errors import InvalidInput
from apps.loyalty.selectors import activity_get

from ..selectors import HISTORY_PAGE_SIZE, points_page_get
from .common import LOYALTY_ERRORS, customer_required, page_number, render_load_error


@customer_required
@require_GET
def points(request):
    try:
        page = points_page_get(customer=request.customer, history_page=page_number(request))
    except LOYALTY_ERRORS as exc:
        return render_load_error(request, "web/points.html", exc)
    return render(request, "web/points.html", {"page": page})


@customer_required
@require_GET
def activity(request):
    cursor = request.GET.get("cursor") or None
    try:
        page = activity_get(customer=request.customer, page_size=HISTORY_PAGE_SIZE, cursor=cursor)
    except InvalidInput:
        # Only the cursor can be invalid: a mangled or someone else's link. Start again from the newest.
        messages.info(request, _("That page of your activity is not available, so here is the newest."))
        return redirect("web:activity")
    except LOYALTY_ERRORS as exc:
        return render_load_error(request, "web/activity.html", exc, {"cursor": cursor})
    return render(request, "web/activity.html", {"page": page, "cursor": cursor})
