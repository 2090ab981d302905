"""Input and output shapes of the accounts endpoints. Types and lengths only: the rules (password strength,
age, unique email) are the services', so the web pages apply the same ones."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.api.fields import InputSerializer, StrictBooleanField

from .validation import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH


class _PasswordField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.update(write_only=True, trim_whitespace=False, max_length=PASSWORD_MAX_LENGTH)
        super().__init__(style={"input_type": "password"}, **kwargs)


class ProfileSerializer(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    marketing_opt_in = serializers.BooleanField()
    time_zone = serializers.CharField(
        help_text='IANA zone the customer reads times in, e.g. "America/Sao_Paulo"; "" for their language\'s usual one.'
    )
    external_id = serializers.CharField(help_text="The customer's opaque id, shared with SessionM.")
    created_at = serializers.DateTimeField()


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Bearer token for the API; short-lived.")
    refresh = serializers.CharField(help_text="Exchange at auth/token/refresh for a new pair; single use.")


class SignupInputSerializer(InputSerializer):
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
    password = _PasswordField()
    first_name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    last_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="At least 13 years ago."
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")
    marketing_opt_in = StrictBooleanField(default=False)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class SignupOutputSerializer(serializers.Serializer):
    profile = ProfileSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenInputSerializer(InputSerializer):
    email = serializers.CharField(max_length=254)
    password = _PasswordField()


class RefreshInputSerializer(InputSerializer):
    refresh = serializers.CharField()


class ProfileUpdateInputSerializer(InputSerializer):
    """Any subset of the profile; fields not sent are left as they are."""

    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH, required=False)
    first_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    last_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    marketing_opt_in = StrictBooleanField(required=False)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)

    def validate(self, attrs):
        # A typo or a read-only field (external_id) silently ignored would look like a successful change.
        unknown = set(self.initial_data) - set(self.fields) if isinstance(self.initial_data, dict) else set()
        if unknown:
            raise serializers.ValidationError({name: [_("This field cannot be changed.")] for name in sorted(unknown)})
        return attrs


class PasswordResetInputSerializer(InputSerializer):
    email = serializers.CharField(max_length=EMAIL_MAX_LENGTH)


class PasswordResetConfirmInputSerializer(InputSerializer):
    uid = serializers.CharField(max_length=64, help_text="The `uidb64` part of the link in the reset message.")
    token = serializers.CharField(max_length=128, help_text="The `token` part of the link in the reset message.")
    new_password = _PasswordField()


class PasswordChangeInputSerializer(InputSerializer):
    current_password = _PasswordField()
    new_password = _PasswordField()
