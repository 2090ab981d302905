"""Forgotten and changed passwords: ask for a reset link, set a new password from it, change it on the profile.

The link's token is moved out of the address into the session on the first visit (Django's own pattern), so
the page that asks for the new password never shows it to the address bar, the history or a Referer header.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from apps.accounts.passwords import password_change, password_reset_confirm, password_reset_request, password_reset_user
from apps.api.throttles import LoginThrottle, PasswordResetThrottle
from apps.core.errors import InvalidInput

from ..forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm, add_service_errors
from .auth import render_throttled, throttled
from .common import customer_required, mark_signed_in

# The placeholder that stands for the token in the address once it is in the session.
_SET_PASSWORD = "set-password"
_SESSION_TOKEN = "web:password_reset_token"


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    if request.method != "POST":
        return render(request, "web/password_reset.html", {"form": PasswordResetForm()})
    form = PasswordResetForm(request.POST)
    wait = throttled(request, PasswordResetThrottle)
    if wait:
        return render_throttled(request, "web/password_reset.html", {"form": form}, wait)
    if not form.is_valid():
        return render(request, "web/password_reset.html", {"form": form}, status=400)
    # The same page follows whether or not the address has an account.
    password_reset_request(email=form.cleaned_data["email"], base_url=request.build_absolute_uri("/"))
    return redirect("web:password-reset-sent")


@never_cache
def password_reset_sent(request):
    return render(request, "web/password_reset_sent.html")


@never_cache
@sensitive_post_parameters("new_password")
@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request, uidb64: str, token: str):
    if token != _SET_PASSWORD:
        request.session[_SESSION_TOKEN] = token
        return redirect("web:password-reset-confirm", uidb64=uidb64, token=_SET_PASSWORD)
    token = request.session.get(_SESSION_TOKEN, "")
    try:
        password_reset_user(uidb64=uidb64, token=token)
    except InvalidInput:
        return render(request, "web/password_reset_invalid.html", status=400)
    if request.method != "POST":
        return render(request, "web/password_reset_confirm.html", {"form": SetPasswordForm()})

    form = SetPasswordForm(request.POST)
    wait = throttled(request, LoginThrottle)
    if wait:
        return render_throttled(request, "web/password_reset_confirm.html", {"form": form}, wait)
    if form.is_valid():
        try:
            customer = password_reset_confirm(
                uidb64=uidb64, token=token, new_password=form.cleaned_data["new_password"]
            )
        except InvalidInput as exc:
            if exc.code == "invalid_reset_link":
                return render(request, "web/password_reset_invalid.html", status=400)
            add_service_errors(form, exc)
        else:
            request.session.pop(_SESSION_TOKEN, None)
            auth_login(request, customer.user)
            mark_signed_in(request)
            messages.success(request, _("Your new password is set, and you are signed in."))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "web/password_reset_confirm.html", {"form": form}, status=400)


@customer_required
@sensitive_post_parameters("current_password", "new_password")
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    if request.method != "POST":
        return render(request, "web/password_change.html", {"form": PasswordChangeForm()})
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            password_change(customer=request.customer, **form.cleaned_data)
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            # Every other session and app token has ended; this one stays signed in.
            update_session_auth_hash(request, request.customer.user)
            mark_signed_in(request)
            messages.success(request, _("Your password is changed. You were signed out everywhere else."))
            return redirect("web:profile")
    return render(request, "web/password_change.html", {"form": form}, status=400)
