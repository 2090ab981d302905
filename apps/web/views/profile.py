"""The customer's profile: edit it, switch language, or be forgotten everywhere (after a confirmation)."""

from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from apps.accounts.models import Customer
from apps.accounts.services import customer_forget, customer_update
from apps.core.errors import Conflict, EmailTaken, InvalidInput

from ..forms import ForgetForm, LanguageForm, ProfileForm, add_service_errors
from .common import (
    LOYALTY_ERRORS,
    as_domain_error,
    customer_required,
    plain_words,
    recently_signed_in,
    safe_next_url,
)


def _profile_initial(customer: Customer) -> dict:
    return {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": customer.user.email,
        "birth_date": customer.birth_date,
        "language": customer.language,
        "marketing_opt_in": customer.marketing_opt_in,
        "time_zone": customer.time_zone,
    }


@customer_required
@require_http_methods(["GET", "POST"])
def profile(request):
    customer = request.customer
    if request.method != "POST":
        return render(request, "web/profile.html", {"form": ProfileForm(initial=_profile_initial(customer))})

    form = ProfileForm(request.POST, initial=_profile_initial(customer))
    status = 400
    if form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing to save: your profile is unchanged."))
            return redirect("web:profile")
        try:
            customer_update(customer=customer, **changes)
        except Conflict as exc:
            form.add_error("email" if isinstance(exc, EmailTaken) else None, plain_words(exc))
            status = exc.status
        except InvalidInput as exc:
            add_service_errors(form, exc)
        except LOYALTY_ERRORS as exc:
            form.add_error(None, plain_words(exc))
            status = as_domain_error(exc).status
        else:
            # A new language applies from now on, starting with this message.
            translation.activate(customer.language)
            messages.success(request, _("Your profile is saved."))
            return redirect("web:profile")
    return render(request, "web/profile.html", {"form": form}, status=status)


@customer_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def forget(request):
    password_needed = not recently_signed_in(request)
    if request.method != "POST":
        return render(
            request, "web/forget.html", {"form": ForgetForm(user=request.user, password_needed=password_needed)}
        )

    form = ForgetForm(request.POST, user=request.user, password_needed=password_needed)
    if not form.is_valid():
        return render(request, "web/forget.html", {"form": form}, status=400)
    try:
        customer_forget(customer=request.customer)
    except LOYALTY_ERRORS as exc:
        form.add_error(None, plain_words(exc))
        return render(request, "web/forget.html", {"form": form}, status=as_domain_error(exc).status)
    auth_logout(request)
    messages.success(request, _("Your account and your personal data have been deleted. Goodbye!"))
    return redirect("web:landing")


@require_POST
def language(request):
    """The language switcher of a logged-in customer: saved to the profile (so SessionM offer texts and
    messages follow), then Django's set_language sets the cookie and redirects. Visitors' switchers post to
    set_language directly."""
    form = LanguageForm(request.POST)
    customer = request.customer
    if customer is not None and form.is_valid() and form.cleaned_data["language"] != customer.language:
        try:
            customer_update(customer=customer, language=form.cleaned_data["language"])
        except LOYALTY_ERRORS as exc:
            messages.error(request, plain_words(exc))
            return redirect(safe_next_url(request) or "web:wallet")
    return set_language(request)
