"""POS clients in the admin: who may report purchases, for which stores. A client's signing key is shown once,
when the client is created or its key rotated (it is derived, never stored: apps/loyalty/models.py)."""

from django.contrib import admin, messages
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from .models import PosClient, PosTransaction


def _show_key(request, client: PosClient) -> None:
    messages.warning(
        request,
        _("Signing key of %(key_id)s (give it to the till now; it is not shown again): %(key)s")
        % {"key_id": client.key_id, "key": client.signing_key()},
    )


@admin.register(PosClient)
class PosClientAdmin(admin.ModelAdmin):
    list_display = ("name", "key_id", "is_active", "allowed_stores", "key_version", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_id")
    readonly_fields = ("key_version", "created_at", "updated_at")
    actions = ("rotate_key", "deactivate")

    def get_readonly_fields(self, request, obj=None):
        # The key id is part of the derived key: changing it would silently re-key the till.
        return (*self.readonly_fields, "key_id") if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            _show_key(request, obj)

    @admin.action(description=_("Rotate the signing key (the old one stops working at once)"))
    def rotate_key(self, request, queryset):
        queryset.update(key_version=F("key_version") + 1)
        for client in queryset.model.objects.filter(pk__in=queryset.values("pk")):
            _show_key(request, client)

    @admin.action(description=_("Deactivate (its requests are refused)"))
    def deactivate(self, request, queryset):
        queryset.update(is_active=False)

    def has_delete_permission(self, request, obj=None):
        # Its purchases keep a reference to it; deactivate instead.
        return False


@admin.register(PosTransaction)
class PosTransactionAdmin(admin.ModelAdmin):
    list_display = ("request_id", "client", "store_id", "customer", "created_at")
    list_filter = ("client", "store_id")
    search_fields = ("request_id", "sessionm_request_id")
    readonly_fields = [field.name for field in PosTransaction._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
