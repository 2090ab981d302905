"""Writes to customer accounts: signup, profile changes, forgetting, and checking credentials.

SessionM is the system of record for the loyalty profile, so every change reaches SessionM before it is
saved here: when SessionM refuses or cannot be reached, the local account is left as it was.
"""

import logging
import uuid
from datetime import date, timedelta

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.languages import culture_for
from apps.braze import get_braze_client
from apps.braze.errors import BrazeError
from apps.core.errors import (
    EmailTaken,
    InvalidInput,
    NotFound,
    SignupInProgress,
    upstream_failure_as_error,
    upstream_failures_as_errors,
)
from apps.messaging.services import notification_welcome_enqueue, notifications_forget_customer
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMError, SessionMNotFound, SessionMValidationError
from apps.sessionm.types import SessionMUser

from .models import Customer, CustomerStatus
from .tokens import tokens_revoke_all
from .validation import ProfileChecks, normalize_email

logger = logging.getLogger(__name__)

User = get_user_model()

# Profile fields a customer may change, and the SessionM user attribute each one is stored as.
_SESSIONM_ATTRIBUTES = {
    "email": "email",
    "first_name": "first_name",
    "last_name": "last_name",
    "birth_date": "dob",
    "language": "locale",
    "marketing_opt_in": "opted_in",
}
# Profile fields kept only here (SessionM has no use for them).
_LOCAL_FIELDS = ("time_zone",)
# SessionM validation errors name its attributes; the customer knows our field names.
_FIELDS_BY_ATTRIBUTE = {attribute: field for field, attribute in _SESSIONM_ATTRIBUTES.items()}


# How long a signup attempt holds its pending customer. Longer than any attempt takes (the upstream budget of one
# request, see apps/upstream/budget.py, plus hashing); a claim left by a process that died lapses after it.
SIGNUP_ATTEMPT_LEASE = timedelta(seconds=60)


def _sessionm_locale(language: str) -> str:
    return culture_for(language).lower()  # SessionM writes locales as "en-us"


def _sessionm_value(field: str, value):
    return _sessionm_locale(value) if field == "language" else value


def _invalid_from_sessionm(exc: SessionMValidationError) -> InvalidInput | EmailTaken:
    fields = {_FIELDS_BY_ATTRIBUTE.get(name, name): [str(message)] for name, message in exc.field_errors.items()}
    if "email" in fields:
        # SessionM keeps one email per profile: another profile (made outside this app) already has it.
        return EmailTaken()
    return InvalidInput(details=fields or {"non_field_errors": [str(InvalidInput.default_message)]})


# --- Signup --------------------------------------------------------------------------------------------------


def signup_rule_problems(
    *, email: str = "", password: str = "", first_name: str = "", last_name: str = "", birth_date=None
) -> dict[str, list[str]]:
    """The signup rules (password strength, age) checked on whatever a form could read, without saving: a
    page can show them with its own format errors in one round instead of two."""
    checks = ProfileChecks()
    if birth_date is not None:
        checks.birth_date(birth_date)
    if password:
        checks.password(password, email=normalize_email(email), first_name=first_name, last_name=last_name)
    return checks.errors


def customer_signup(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str = "",
    birth_date: date | None = None,
    language: str = "en",
    marketing_opt_in: bool = False,
    time_zone: str = "",
) -> Customer:
    """Create the customer here and in SessionM, and queue the welcome message.

    The local account is saved first as `pending` (it cannot log in) and claimed by this attempt, then the
    SessionM profile is made, then the account is activated, only by the attempt that holds the claim. So of
    concurrent signups with one email exactly one succeeds, and only its password logs in; the others get 409
    `signup_in_progress` (or `email_taken` once it is done). If SessionM fails, LoyaltyUnavailable /
    LoyaltyTimeout is raised, the claim is released and the pending account stays: the next signup with the
    same email takes the new password and fields and completes the same customer.
    """
    checks = ProfileChecks()
    email = checks.email(email)
    first_name = checks.name("first_name", first_name, required=True)
    last_name = checks.name("last_name", last_name, required=False)
    birth_date = checks.birth_date(birth_date)
    language = checks.language(language)
    time_zone = checks.time_zone(time_zone)
    checks.password(password, email=email, first_name=first_name, last_name=last_name)
    checks.raise_if_any()

    attempt = uuid.uuid4().hex
    customer, resumed = _pending_customer_save(
        attempt=attempt,
        email=email,
        # Hashed before the transaction: the hash is slow by design and must not hold a database lock.
        password_hash=make_password(password),
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        language=language,
        marketing_opt_in=marketing_opt_in,
        time_zone=time_zone,
    )
    try:
        profile = _sessionm_profile_ensure(customer=customer, resumed=resumed)
        return _customer_activate(customer=customer, sessionm_user_id=profile.id, attempt=attempt)
    except BaseException:
        # Let the next attempt resume at once rather than after the lease.
        Customer.objects.filter(pk=customer.pk, signup_attempt=attempt).update(
            signup_attempt="", signup_attempt_at=None
        )
        raise


def _pending_customer_save(*, attempt: str, email: str, password_hash: str, **fields) -> tuple[Customer, bool]:
    """Save a new pending customer, or take over the pending one with this email when no other attempt holds
    it, claimed by `attempt`. Returns (customer, resumed)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(username=email).first()
            if user is None:
                user = User(username=email, email=email, is_active=False)
                customer = Customer(user=user)
                resumed = False
            else:
                pending = Customer.objects.select_for_update().filter(user=user).first()
                if pending is None or pending.status != CustomerStatus.PENDING:
                    raise EmailTaken()
                customer = pending
                attempt_at = customer.signup_attempt_at
                if customer.signup_attempt and attempt_at is not None and attempt_at > now - SIGNUP_ATTEMPT_LEASE:
                    raise SignupInProgress()
                resumed = True
            user.password = password_hash
            user.save()
            for name, value in fields.items():
                setattr(customer, name, value)
            customer.user = user
            customer.signup_attempt = attempt
            customer.signup_attempt_at = now
            customer.save()
    except IntegrityError as exc:
        # Another signup with this email inserted it between our lookup and our insert, and is running now.
        raise SignupInProgress() from exc
    return customer, resumed


def _sessionm_profile_fields(customer: Customer) -> dict:
    return {
        "email": customer.user.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "dob": customer.birth_date,
        "locale": _sessionm_locale(customer.language),
        "opted_in": customer.marketing_opt_in,
    }


def _sessionm_profile_ensure(*, customer: Customer, resumed: bool) -> SessionMUser:
    """The customer's SessionM profile, created with only the opaque external id as identifier.

    A resumed signup first looks the profile up by external id: the earlier attempt may have created it
    and lost the response. A found profile is brought up to date with the fields of this attempt.
    """
    client = get_sessionm_client()
    fields = _sessionm_profile_fields(customer)
    with upstream_failures_as_errors():
        try:
            existing = None
            if resumed:
                try:
                    existing = client.get_user_by_external_id(customer.external_id)
                except SessionMNotFound:
                    existing = None
            if existing is None:
                try:
                    return client.create_user(external_id=customer.external_id, **fields)
                except SessionMValidationError as exc:
                    if "external_id" not in exc.field_errors:
                        raise
                    # A concurrent attempt for the same pending customer created it first.
                    existing = client.get_user_by_external_id(customer.external_id)
            return client.update_user(
                existing.id, **{name: value for name, value in fields.items() if value is not None}
            )
        except SessionMValidationError as exc:
            raise _invalid_from_sessionm(exc) from exc


def _customer_activate(*, customer: Customer, sessionm_user_id: str, attempt: str) -> Customer:
    """Store the SessionM id, activate, and write the welcome message, all in one transaction, if this attempt
    still holds the pending customer."""
    with transaction.atomic():
        # Locks in the order every signup takes them (the user, then the customer), or two would deadlock.
        User.objects.select_for_update().filter(pk=customer.user_id).first()
        customer = Customer.objects.select_for_update().select_related("user").get(pk=customer.pk)
        if customer.status != CustomerStatus.PENDING:
            raise EmailTaken()
        if customer.signup_attempt != attempt:
            # Our claim lapsed and another attempt took the account over (with its own password): it finishes.
            raise SignupInProgress()
        customer.sessionm_user_id = sessionm_user_id
        customer.status = CustomerStatus.ACTIVE
        customer.signup_attempt = ""
        customer.signup_attempt_at = None
        customer.save(update_fields=["sessionm_user_id", "status", "signup_attempt", "signup_attempt_at", "updated_at"])
        customer.user.is_active = True
        customer.user.save(update_fields=["is_active"])
        notification_welcome_enqueue(customer=customer)
    return customer


# --- Profile changes -----------------------------------------------------------------------------------------


def customer_update(*, customer: Customer, **changes) -> Customer:
    """Change profile fields (email, first_name, last_name, birth_date, language, marketing_opt_in, time_zone).

    SessionM is updated first; if it refuses or cannot be reached, nothing changes here.
    """
    unknown = set(changes) - set(_SESSIONM_ATTRIBUTES) - set(_LOCAL_FIELDS)
    if unknown:
        raise TypeError(f"customer_update() got unexpected fields: {', '.join(sorted(unknown))}")
    if customer.status != CustomerStatus.ACTIVE:
        raise NotFound()

    checks = ProfileChecks()
    cleaned: dict[str, object] = {}
    if "email" in changes:
        cleaned["email"] = checks.email(changes["email"])
    if "first_name" in changes:
        cleaned["first_name"] = checks.name("first_name", changes["first_name"], required=True)
    if "last_name" in changes:
        cleaned["last_name"] = checks.name("last_name", changes["last_name"], required=False)
    if "birth_date" in changes:
        if changes["birth_date"] is None:
            checks.fail("birth_date", _("A birth date cannot be removed, only changed."))
        else:
            cleaned["birth_date"] = checks.birth_date(changes["birth_date"])
    if "language" in changes:
        cleaned["language"] = checks.language(changes["language"])
    if "marketing_opt_in" in changes:
        cleaned["marketing_opt_in"] = bool(changes["marketing_opt_in"])
    if "time_zone" in changes:
        cleaned["time_zone"] = checks.time_zone(changes["time_zone"])
    checks.raise_if_any()

    current = {name: _current_value(customer, name) for name in cleaned}
    changed = {name: value for name, value in cleaned.items() if value != current[name]}
    if not changed:
        return customer
    if "email" in changed and User.objects.filter(username=changed["email"]).exclude(pk=customer.user_id).exists():
        raise EmailTaken()

    upstream = {name: value for name, value in changed.items() if name in _SESSIONM_ATTRIBUTES}
    if upstream:
        _sessionm_profile_update(customer=customer, changes=upstream)
    try:
        with transaction.atomic():
            _apply_locally(customer, changed)
    except IntegrityError as exc:
        # The email was taken between our check and our save: put SessionM back as it was.
        _sessionm_profile_restore(customer=customer, previous={name: current[name] for name in upstream})
        raise EmailTaken() from exc
    return customer


def _current_value(customer: Customer, name: str):
    return customer.user.email if name == "email" else getattr(customer, name)


def _sessionm_profile_update(*, customer: Customer, changes: dict) -> None:
    attributes = {_SESSIONM_ATTRIBUTES[name]: _sessionm_value(name, value) for name, value in changes.items()}
    with upstream_failures_as_errors():
        try:
            get_sessionm_client().update_user(customer.sessionm_id, **attributes)
        except SessionMValidationError as exc:
            raise _invalid_from_sessionm(exc) from exc


def _sessionm_profile_restore(*, customer: Customer, previous: dict) -> None:
    try:
        _sessionm_profile_update(customer=customer, changes=previous)
    except Exception:  # noqa: BLE001 - the caller reports the conflict; this only logs a drift to repair
        logger.exception("could not restore SessionM profile of customer %s after a failed update", customer.pk)


def _apply_locally(customer: Customer, changes: dict) -> None:
    user = customer.user
    if "email" in changes:
        user.username = user.email = changes["email"]
        user.save(update_fields=["username", "email"])
    fields = [name for name in changes if name != "email"]
    for name in fields:
        setattr(customer, name, changes[name])
    customer.save(update_fields=[*fields, "updated_at"])


# --- Forgetting ------------------------------------------------------------------------------------------------


def customer_forget(*, customer: Customer) -> None:
    """Forget the customer everywhere: SessionM profile, Braze user, queued messages, local personal data and
    every session. Each step is safe to repeat, so after an upstream failure (503 / 504 / 502, core's one
    mapping) the customer can simply ask again."""
    if customer.status == CustomerStatus.FORGOTTEN:
        return
    # First, so no queued message re-creates the Braze user (welcome messages create it) while it is deleted.
    notifications_forget_customer(customer=customer)
    # A pending customer may still have a profile: the signup response that would have named it was lost.
    sessionm_user_id = customer.sessionm_user_id or _sessionm_id_by_external_id(external_id=customer.external_id)
    if sessionm_user_id:
        _sessionm_profile_delete(sessionm_user_id=sessionm_user_id)
        _braze_user_delete(braze_external_id=sessionm_user_id)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=customer.user_id).first()  # user, then customer, as signup
        customer = Customer.objects.select_for_update().select_related("user").get(pk=customer.pk)
        if customer.status == CustomerStatus.FORGOTTEN:
            return
        _erase_personal_data(customer)


def customers_forget_abandoned_signups(*, older_than: timedelta) -> int:
    """Forget pending signups nobody completed within `older_than` (measured from their last attempt): their
    personal data is not kept for an account that never came to be, and a SessionM profile a lost response
    left behind is deleted. Returns how many were forgotten; an upstream failure stops the run (run it again)."""
    cutoff = timezone.now() - older_than
    abandoned = Customer.objects.select_related("user").filter(status=CustomerStatus.PENDING, updated_at__lt=cutoff)
    count = 0
    for customer in abandoned.iterator():
        customer_forget(customer=customer)
        count += 1
    return count


def _sessionm_id_by_external_id(*, external_id: str) -> str | None:
    try:
        return get_sessionm_client().get_user_by_external_id(external_id).id
    except SessionMNotFound:
        return None
    except SessionMError as exc:
        logger.warning("forget: sessionm lookup failed: %s", exc.__class__.__name__)
        raise upstream_failure_as_error(exc) from exc


def _sessionm_profile_delete(*, sessionm_user_id: str) -> None:
    """SessionM forgets a customer through a Data Privacy request it carries out itself
    (https://docs.sessionm.com/developer/APIs/Core/Customers/customers_data_privacy.htm)."""
    try:
        get_sessionm_client().request_forget(sessionm_user_id)
    except SessionMNotFound:
        pass  # forgotten after an earlier attempt
    except SessionMError as exc:
        logger.warning("forget: sessionm forget request failed: %s", exc.__class__.__name__)
        raise upstream_failure_as_error(exc) from exc


def _braze_user_delete(*, braze_external_id: str) -> None:
    try:
        get_braze_client().delete_users([braze_external_id])  # deleting an unknown user is not an error
    except BrazeError as exc:
        logger.warning("forget: braze delete failed: %s", exc.__class__.__name__)
        raise upstream_failure_as_error(exc) from exc


def _erase_personal_data(customer: Customer) -> None:
    user = customer.user
    placeholder = f"forgotten-{uuid.uuid4().hex}"
    user.username = placeholder
    user.email = f"{placeholder}@forgotten.invalid"
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()  # also ends every web session (their hash no longer matches)
    user.save()
    tokens_revoke_all(user=user)
    customer.first_name = customer.last_name = ""
    customer.birth_date = None
    customer.marketing_opt_in = False
    customer.status = CustomerStatus.FORGOTTEN
    customer.forgotten_at = timezone.now()
    customer.save()


# --- Credentials -----------------------------------------------------------------------------------------------


def customer_authenticate(*, email: str, password: str) -> Customer | None:
    """The active customer with these credentials, or None.

    Django's ModelBackend hashes the password even for an unknown email, so the answer takes about as long
    either way and does not reveal which emails have accounts.
    """
    user = authenticate(None, username=normalize_email(email), password=password)
    if user is None:
        return None
    return Customer.objects.select_related("user").filter(user=user, status=CustomerStatus.ACTIVE).first()
