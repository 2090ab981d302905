"""The customer's language: a logged-in customer's profile language wins over the language cookie and the
browser's Accept-Language (which LocaleMiddleware already applied), so pages, messages and offer texts from
SessionM agree, whichever device the language was last chosen on."""

from django.utils import translation

from apps.accounts.selectors import customer_get_for_user
from apps.api.errors import NotFound


class CustomerLanguageMiddleware:
    """Sets `request.customer` (the active Customer of a session login, else None) and activates the
    customer's language. Must come after AuthenticationMiddleware and LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.customer = None
        if request.user.is_authenticated:
            try:
                request.customer = customer_get_for_user(user=request.user)
            except NotFound:
                pass  # staff or an unfinished signup: no wallet, the browser's language stays
        if request.customer is not None and request.customer.language:
            translation.activate(request.customer.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
