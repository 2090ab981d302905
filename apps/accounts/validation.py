"""The rules a customer's profile follows, checked by the services so the API and the web pages apply the
same ones. Each check returns the cleaned value or records messages under the field's name, so one
InvalidInput can report every bad field at once."""

import zoneinfo
from datetime import date
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.errors import InvalidInput

# The email is the Django username, whose column holds 150 characters.
EMAIL_MAX_LENGTH = 150
NAME_MAX_LENGTH = 150
PASSWORD_MAX_LENGTH = 128  # hashing is slow by design: an unbounded password is a cheap denial of service
# SessionM: "the customer must be over 13".
MINIMUM_AGE_YEARS = 13


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA zones this system knows (tzdata), e.g. "America/Sao_Paulo"."""
    return frozenset(zoneinfo.available_timezones())


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, month=3, day=1)


class ProfileChecks:
    """Collects field errors; `raise_if_any()` ends a validation pass."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def fail(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(details=self.errors)

    def email(self, value: str) -> str:
        email = normalize_email(value)
        if len(email) > EMAIL_MAX_LENGTH:
            self.fail("email", _("Use an email address of at most %(max)d characters.") % {"max": EMAIL_MAX_LENGTH})
            return email
        try:
            validate_email(email)
        except ValidationError:
            self.fail("email", _("Enter a valid email address."))
        return email

    def name(self, field: str, value: str, *, required: bool) -> str:
        name = " ".join((value or "").split())
        if required and not name:
            self.fail(field, _("This field is required."))
        elif len(name) > NAME_MAX_LENGTH:
            self.fail(field, _("Use at most %(max)d characters.") % {"max": NAME_MAX_LENGTH})
        return name

    def birth_date(self, value: date | None) -> date | None:
        if value is None:
            return None
        if value > timezone.localdate():
            self.fail("birth_date", _("A birth date cannot be in the future."))
            return value
        if _years_after(value, MINIMUM_AGE_YEARS) > timezone.localdate():
            self.fail("birth_date", _("You must be at least %(age)d years old.") % {"age": MINIMUM_AGE_YEARS})
        return value

    def language(self, value: str) -> str:
        if value not in dict(settings.LANGUAGES):
            self.fail("language", _("Choose one of the offered languages."))
        return value

    def time_zone(self, value: str) -> str:
        """An IANA zone name, or "" for the language's usual zone."""
        value = (value or "").strip()
        if value and value not in time_zone_names():
            self.fail("time_zone", _("Choose a time zone from the list."))
        return value

    def password(self, value: str, *, email: str, first_name: str, last_name: str, field: str = "password") -> None:
        # An unsaved user lets the similarity validator compare the password with the customer's own data.
        if len(value) > PASSWORD_MAX_LENGTH:
            self.fail(field, _("Use at most %(max)d characters.") % {"max": PASSWORD_MAX_LENGTH})
            return
        probe = get_user_model()(username=email, email=email, first_name=first_name, last_name=last_name)
        try:
            validate_password(value, user=probe)
        except ValidationError as exc:
            for message in exc.messages:
                self.fail(field, message)
