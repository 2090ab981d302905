"""The scheduler in the admin: what runs when, what ran last and which scheduler process is active."""

from django.contrib import admin, messages
from django.utils import timezone

from .models import ScheduledJob, SchedulerLease


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    list_display = ("name", "interval_seconds", "last_run_at", "next_run_at", "last_run_by", "runs", "last_task_id")
    readonly_fields = [field.name for field in ScheduledJob._meta.fields]
    actions = ["run_now"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Run at the next scheduler tick", permissions=["change"])
    def run_now(self, request, queryset):
        # Moving next_run_at is all it takes: the scheduler claims the row as for any due run (once).
        count = queryset.update(next_run_at=timezone.now())
        self.message_user(request, f"{count} job(s) will be enqueued at the next scheduler tick.", messages.SUCCESS)


@admin.register(SchedulerLease)
class SchedulerLeaseAdmin(admin.ModelAdmin):
    list_display = ("name", "holder", "acquired_at", "expires_at", "active")
    readonly_fields = [field.name for field in SchedulerLease._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True)
    def active(self, obj):
        return bool(obj.holder) and obj.expires_at > timezone.now()
