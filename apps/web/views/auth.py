"""Sign up, log in and log out with a session (the customer's Django user), throttled like the API: per address,
and failed logins per account (apps/api/throttles.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.services import customer_authenticate, customer_signup, signup_rule_problems
from apps.api.throttles import login_attempt_wait, login_failure_record, signup_attempt_wait
from apps.core.errors import Conflict, InvalidInput

from ..forms import LoginForm, SignupForm, add_service_errors
from .common import LOYALTY_ERRORS, as_domain_error, mark_signed_in, plain_words, safe_next_url


def throttled(request, throttle_class) -> int | None:
    """Seconds to wait when this IP has used up its attempts (the API's rate and cache counters), else None."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return None
    return max(1, int(throttle.wait() or 1))


def render_throttled(request, template: str, context: dict, wait: int):
    context["form"].add_error(
        None, _("Too many attempts. Please wait %(seconds)s seconds and try again.") % {"seconds": wait}
    )
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.customer is not None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method != "POST":
        return render(request, "web/signup.html", {"form": SignupForm(initial={"language": get_language()})})

    form = SignupForm(request.POST)
    wait = signup_attempt_wait(request)
    if wait:
        return render_throttled(request, "web/signup.html", {"form": form}, wait)
    status = 200
    if form.is_valid():
        try:
            customer = customer_signup(**form.cleaned_data)
        except Conflict as exc:
            form.add_error("email", plain_words(exc))
            status = 409
        except InvalidInput as exc:
            add_service_errors(form, exc)
            status = 400
        except LOYALTY_ERRORS as exc:
            form.add_error(None, plain_words(exc))
            status = as_domain_error(exc).status
        else:
            auth_login(request, customer.user)
            mark_signed_in(request)
            # Greet in the language just chosen: every later page uses it too.
            translation.activate(customer.language)
            messages.success(
                request, _("Welcome to Fancy Fries, %(name)s! Your wallet is ready.") % {"name": customer.first_name}
            )
            return redirect(settings.LOGIN_REDIRECT_URL)
    else:
        # Format errors and the rules' errors (password strength, age) together, in one round.
        readable = {name: form.cleaned_data.get(name) for name in ("email", "first_name", "last_name", "birth_date")}
        problems = signup_rule_problems(
            password=request.POST.get("password", ""),
            **{name: value for name, value in readable.items() if value is not None},
        )
        for name, messages_ in problems.items():
            if name not in form.errors:
                for message in messages_:
                    form.add_error(name, message)
        status = 400
    return render(request, "web/signup.html", {"form": form}, status=status)


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login(request):
    if request.customer is not None:
        return redirect(safe_next_url(request) or settings.LOGIN_REDIRECT_URL)
    context = {"next": safe_next_url(request)}
    if request.method != "POST":
        return render(request, "web/login.html", {**context, "form": LoginForm()})

    form = LoginForm(request.POST)
    wait = login_attempt_wait(request, account=request.POST.get("email"))
    if wait:
        return render_throttled(request, "web/login.html", {**context, "form": form}, wait)
    if form.is_valid():
        customer = customer_authenticate(email=form.cleaned_data["email"], password=form.cleaned_data["password"])
        if customer is not None:
            auth_login(request, customer.user)
            mark_signed_in(request)
            return redirect(context["next"] or settings.LOGIN_REDIRECT_URL)
        login_failure_record(account=form.cleaned_data["email"])
        form.add_error(None, _("That email and password don't match an account. Please check them and try again."))
    return render(request, "web/login.html", {**context, "form": form}, status=400)


@require_POST
def logout(request):
    auth_logout(request)
    messages.info(request, _("You have logged out. See you soon!"))
    return redirect(settings.LOGOUT_REDIRECT_URL)
