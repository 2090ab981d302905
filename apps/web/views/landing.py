"""The front door for visitors; customers go straight to their wallet."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET


@require_GET
def landing(request):
    if request.customer is not None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "web/landing.html")
