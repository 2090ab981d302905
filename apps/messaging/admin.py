"""The outbox in the admin: what was sent, what is waiting or failing, every attempt, and retry / cancel."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import DeliveryAttempt, InboundEvent, Notification, WalletItem
from .services import notifications_cancel, notifications_retry
from .webhooks import sessionm_events_requeue


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("started_at", "finished_at", "outcome", "http_status", "dispatch_id", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "recipient", "attempts", "next_attempt_at", "sent_at", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "dedupe_key")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    list_select_related = ("customer",)
    inlines = [DeliveryAttemptInline]
    actions = ["retry_selected", "cancel_selected"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the outbox is the record of what was sent; cancel instead

    @admin.action(description=_("Retry selected (failed or dead: send again now)"), permissions=["change"])
    def retry_selected(self, request, queryset):
        count = notifications_retry(notifications=queryset)
        self.message_user(
            request,
            ngettext("%(count)d notification will be sent again.", "%(count)d notifications will be sent again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    @admin.action(description=_("Cancel selected (not sent yet)"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        count = notifications_cancel(notifications=queryset)
        self.message_user(
            request,
            ngettext("%(count)d notification cancelled.", "%(count)d notifications cancelled.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(WalletItem)
class WalletItemAdmin(admin.ModelAdmin):
    """The wallet ledger, read-only: SessionM is the system of record; this is what the messages were built on."""

    list_display = ("user_offer_id", "title", "state", "source", "expires_at", "customer", "first_seen_at")
    list_filter = ("state", "source")
    search_fields = ("user_offer_id", "offer_id", "customer__sessionm_user_id", "customer__external_id")
    ordering = ("-first_seen_at",)
    list_select_related = ("customer",)
    readonly_fields = [field.name for field in WalletItem._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "status", "user_id", "occurred_at", "received_at", "attempts")
    list_filter = ("status", "type")
    search_fields = ("event_id", "user_id")
    ordering = ("-received_at",)
    actions = ["process_again"]
    readonly_fields = [field.name for field in InboundEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Process selected again (failed only)"), permissions=["change"])
    def process_again(self, request, queryset):
        count = sessionm_events_requeue(events=queryset)
        self.message_user(
            request,
            ngettext("%(count)d event will be processed again.", "%(count)d events will be processed again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
