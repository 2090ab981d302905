"""Forms of the web wallet. They check shapes (an email, a date, a known language); the rules (password
strength, age, unique email) belong to the accounts services, whose errors `add_service_errors` puts on
the matching fields."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.accounts.validation import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, time_zone_names
from apps.core.errors import DomainError, PromoCodeInvalid
from apps.loyalty.promo_codes import PROMO_CODE_MAX_LENGTH, PROMO_CODE_PATTERN


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        # Browsers send and expect ISO dates in <input type="date">, whatever the page language.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def add_service_errors(form: forms.Form, exc: DomainError) -> None:
    """Show a service's validation details on the form: on the field they name, else above the form."""
    if not exc.details:
        form.add_error(None, str(exc.message))
        return
    for name, problems in exc.details.items():
        messages = problems if isinstance(problems, list | tuple) else [problems]
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, str(message))


class _PersonForm(forms.Form):
    """The fields signup and the profile share."""

    first_name = forms.CharField(
        label=_("First name"), max_length=NAME_MAX_LENGTH, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email"), max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


def _time_zone_choices():
    # Canonical "Area/City" zones only (no "Etc/GMT+3" or legacy aliases such as "US/Eastern"), cities as
    # people write them.
    areas = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")
    zones = sorted(name for name in time_zone_names() if name.startswith(areas))
    return [("", _("Automatic: the usual time zone of my language")), *((z, z.replace("_", " ")) for z in zones)]


class SignupForm(_PersonForm):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters. Avoid common words and numbers only."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        help_text=_("For your birthday treat. You must be over 13 to join."),
        widget=DateInput(attrs={"autocomplete": "bday"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    marketing_opt_in = forms.BooleanField(label=_("Send me offers and news by email"), required=False)
    # Filled in by static/web/js/time-zone.js with the browser's zone; without JavaScript it stays empty and
    # the language's usual zone applies (changeable on the profile).
    time_zone = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-browser-time-zone": ""})
    )


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ProfileForm(_PersonForm):
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=DateInput(attrs={"autocomplete": "bday"})
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("Pages, messages and offer texts use this language."),
    )
    marketing_opt_in = forms.BooleanField(label=_("Send me offers and news by email"), required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=_time_zone_choices,
        help_text=_("Dates and times in your wallet are shown in this zone."),
        widget=forms.Select(attrs={"data-browser-time-zone": "", "data-use-label": _("Use")}),
    )

    def changes(self) -> dict:
        """Only what the customer actually changed, so an untouched form never writes to SessionM."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class ForgetForm(forms.Form):
    """Forgetting is irreversible, so it asks for the password again (a stolen session alone can't do it),
    unless the customer signed in moments ago: someone who just reset a lost password has just proven who
    they are, and may not want to type the new one again to leave."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, password_needed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not password_needed:
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password


def _new_password_field(label):
    return forms.CharField(
        label=label,
        strip=False,
        help_text=_("At least 8 characters. Avoid common words and numbers only."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PasswordResetForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class SetPasswordForm(forms.Form):
    new_password = _new_password_field(_("New password"))


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = _new_password_field(_("New password"))


class PromoCodeForm(forms.Form):
    # The app API's shape for a code: anything else can't be one, so SessionM is not asked.
    code = forms.RegexField(
        label=_("Promo code"),
        regex=PROMO_CODE_PATTERN,
        max_length=PROMO_CODE_MAX_LENGTH,
        error_messages={"invalid": PromoCodeInvalid.default_message, "required": _("Enter a promo code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
