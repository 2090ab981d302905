"""Password reset and change.

A reset link carries Django's token generator's token for the user: it is bound to the password hash and the
last login, so it stops working once used (the password changed) and after PASSWORD_RESET_TIMEOUT. The
message itself goes out through the outbox like the welcome, to its own Braze campaign or canvas.

Setting a new password ends every other way in: web sessions (Django checks each session against a hash of
the password), refresh tokens (blacklisted) and access tokens issued before (the customer's token version
moves on, and every JWT carries the version it was issued under).
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from apps.api.ratelimit import rate_limit_hit
from apps.api.throttles import throttle_rate
from apps.core.errors import InvalidResetLink
from apps.messaging.services import notification_password_reset_enqueue

from .models import Customer, CustomerStatus
from .tokens import tokens_revoke_all
from .validation import ProfileChecks, normalize_email

logger = logging.getLogger(__name__)

User = get_user_model()


# --- Asking for a reset --------------------------------------------------------------------------------------


def _address_allows_another(email: str) -> bool:
    """At most THROTTLE_PASSWORD_RESET_EMAIL_RATE messages per address, whoever asks, counted in the shared
    cache like every other limit. Keyed by a digest, so the cache holds no address."""
    digest = hashlib.sha256(email.encode()).hexdigest()
    return (
        rate_limit_hit(scope="password-reset-email", ident=digest, rate=throttle_rate("password_reset_email")) is None
    )


def password_reset_request(*, email: str, base_url: str) -> None:
    """Queue a reset message when `email` belongs to an active customer; do nothing otherwise.

    The caller answers the same either way, so nobody learns whether an address has an account. `base_url`
    is the web wallet's origin the link points to (settings.WEB_BASE_URL wins when set).
    """
    email = normalize_email(email)
    customer = (
        Customer.objects.select_related("user")
        .filter(user__username=email, user__is_active=True, status=CustomerStatus.ACTIVE)
        .first()
    )
    if customer is None or not customer.user.has_usable_password():
        return
    if not _address_allows_another(email):
        logger.info("password reset: too many requests for customer %s; no message queued", customer.pk)
        return
    uid = urlsafe_base64_encode(force_bytes(customer.user.pk))
    token = default_token_generator.make_token(customer.user)
    path = reverse("web:password-reset-confirm", kwargs={"uidb64": uid, "token": token})
    link = f"{settings.WEB_BASE_URL or base_url.rstrip('/')}{path}"
    with transaction.atomic():
        notification_password_reset_enqueue(customer=customer, link=link, token=token)


# --- Using a reset link --------------------------------------------------------------------------------------


def password_reset_user(*, uidb64: str, token: str):
    """The user a reset link is for, or InvalidResetLink when it is not valid (any more)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        raise InvalidResetLink() from None
    user = User.objects.filter(pk=pk, is_active=True, customer__status=CustomerStatus.ACTIVE).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidResetLink()
    return user


def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> Customer:
    """Set a new password from a reset link; the link cannot be used again."""
    user = password_reset_user(uidb64=uidb64, token=token)
    customer = Customer.objects.select_related("user").get(user=user)
    _check_new_password(customer, new_password, field="new_password")
    with transaction.atomic():
        # Locked and checked again: two uses of one link racing must not both succeed.
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not default_token_generator.check_token(locked, token):
            raise InvalidResetLink()
        return _password_set(customer, new_password)


# --- Changing it while signed in -----------------------------------------------------------------------------


def password_change(*, customer: Customer, current_password: str, new_password: str) -> Customer:
    """Change the password of a signed-in customer, who must know the current one."""
    checks = ProfileChecks()
    if not customer.user.check_password(current_password):
        checks.fail("current_password", _("That is not your current password."))
    _check_new_password(customer, new_password, field="new_password", checks=checks)
    with transaction.atomic():
        return _password_set(customer, new_password)


def _check_new_password(customer: Customer, password: str, *, field: str, checks: ProfileChecks | None = None):
    checks = checks or ProfileChecks()
    checks.password(
        password,
        email=customer.user.email,
        first_name=customer.first_name,
        last_name=customer.last_name,
        field=field,
    )
    checks.raise_if_any()


def _password_set(customer: Customer, password: str) -> Customer:
    """Inside the caller's transaction: the new hash ends every web session (their auth hash no longer
    matches; the caller keeps its own with update_session_auth_hash), every refresh token is blacklisted,
    and the token version moves on so access tokens issued before are refused."""
    user = customer.user
    user.set_password(password)
    user.save(update_fields=["password"])
    # Locked, then saved with save() (not a queryset update): two changes racing both move the version on,
    # and post_save tells any cache of the customer (issue 14's authentication) that it changed.
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.token_version = locked.token_version + 1
    customer.password_changed_at = timezone.now()
    customer.save(update_fields=["token_version", "password_changed_at", "updated_at"])
    tokens_revoke_all(user=user)
    return customer
