"""The customer's language: a logged-in customer's profile language wins over the language cookie and the
browser's Accept-Language (which LocaleMiddleware already applied), so pages, messages and offer texts from
SessionM agree, whichever device the language was last chosen on."""

import zoneinfo

from django.utils import timezone, translation

from apps.accounts.languages import usual_time_zone
from apps.accounts.selectors import customer_get_for_user
from apps.core.errors import NotFound


class CustomerLanguageMiddleware:
    """Sets `request.customer` (the active Customer of a session login, else None) and activates the
    customer's language and time zone (theirs, else their language's usual one). Must come after
    AuthenticationMiddleware and LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.customer = None
        timezone.deactivate()  # the zone is per thread: never carry one customer's to the next request
        if request.user.is_authenticated:
            try:
                request.customer = customer_get_for_user(user=request.user)
            except NotFound:
                pass  # staff or an unfinished signup: no wallet, the browser's language stays
        if request.customer is not None and request.customer.language:
            translation.activate(request.customer.language)
            request.LANGUAGE_CODE = translation.get_language()
        if request.customer is not None:
            zone = request.customer.time_zone or usual_time_zone(request.customer.language)
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(usual_time_zone(request.customer.language)))
        return self.get_response(request)
