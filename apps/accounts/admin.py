"""Customers in the admin: find them, see their live SessionM profile, forget them on request.

Profile fields are read-only here: SessionM owns them, and a change must reach it first, which only the
services do (customer_update). Forgetting goes through customer_forget for the same reason.
"""

import dataclasses

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.errors import DomainError

from .models import Customer
from .selectors import customer_sessionm_profile_get
from .services import customer_forget

# SessionM profile fields shown on the change page, in this order (the rest of the typed user is noise here).
_PROFILE_FIELDS = (
    "id",
    "external_id",
    "email",
    "first_name",
    "last_name",
    "dob",
    "locale",
    "opted_in",
    "available_points",
    "tier",
    "tier_points",
    "next_tier_points",
    "created_at",
)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("external_id", "email", "first_name", "status", "language", "created_at")
    list_filter = ("status", "language")
    search_fields = ("^user__username", "=external_id", "=sessionm_user_id")
    search_help_text = _("The start of an email address, or an exact external id or SessionM user id.")
    ordering = ("-created_at",)
    list_select_related = ("user",)
    actions = ["forget_selected"]
    fieldsets = (
        (None, {"fields": ("email", "status", "external_id", "sessionm_user_id")}),
        (_("Profile"), {"fields": ("first_name", "last_name", "birth_date", "language", "marketing_opt_in")}),
        (_("Dates"), {"fields": ("created_at", "updated_at", "forgotten_at")}),
        (_("Live SessionM profile"), {"fields": ("sessionm_profile",)}),
    )
    readonly_fields = (
        "email",
        "status",
        "external_id",
        "sessionm_user_id",
        "first_name",
        "last_name",
        "birth_date",
        "language",
        "marketing_opt_in",
        "created_at",
        "updated_at",
        "forgotten_at",
        "sessionm_profile",
    )

    def has_add_permission(self, request):
        return False  # customers sign up through the app or the web wallet

    def has_delete_permission(self, request, obj=None):
        return False  # use "Forget selected customers": it also erases the data in SessionM and Braze

    @admin.display(description=_("email"), ordering="user__email")
    def email(self, obj: Customer) -> str:
        return obj.user.email

    @admin.display(description=_("SessionM (live)"))
    def sessionm_profile(self, obj: Customer):
        try:
            profile = customer_sessionm_profile_get(customer=obj)
        except DomainError as exc:
            return format_html('<p class="errornote">{}</p>', exc.message)
        values = {field.name: getattr(profile, field.name) for field in dataclasses.fields(profile)}
        rows = [(name, "—" if values.get(name) is None else values[name]) for name in _PROFILE_FIELDS]
        balances = values.get("point_account_balances")
        if balances is not None:
            rows.extend((f"points: {account.account_name}", account.available_balance) for account in balances.accounts)
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    @admin.action(
        description=_("Forget selected customers (erase in SessionM, Braze and here)"), permissions=["change"]
    )
    def forget_selected(self, request, queryset):
        forgotten, failed = 0, 0
        for customer in queryset.select_related("user"):
            try:
                customer_forget(customer=customer)
            except DomainError:
                failed += 1
            else:
                forgotten += 1
        if forgotten:
            message = ngettext("%(count)d customer forgotten.", "%(count)d customers forgotten.", forgotten)
            self.message_user(request, message % {"count": forgotten}, messages.SUCCESS)
        if failed:
            message = ngettext(
                "%(count)d customer could not be forgotten now (SessionM or Braze unavailable); try again.",
                "%(count)d customers could not be forgotten now (SessionM or Braze unavailable); try again.",
                failed,
            )
            self.message_user(request, message % {"count": failed}, messages.ERROR)
