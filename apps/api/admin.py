"""Idempotency keys in the admin: read-only, for support to see what a phone sent and what it was answered."""

from django.contrib import admin

from .models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("key", "user", "state", "response_status", "created_at", "completed_at")
    list_filter = ("state", "response_status")
    search_fields = ("key", "user__username", "user__email")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in IdempotencyKey._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
