"""The scheduler's state: one row per periodic job (when it last ran, when it runs next, who enqueued it) and
the lease that says which `manage.py scheduler` process is the active one."""

from django.db import models


class ScheduledJob(models.Model):
    """A periodic job. `next_run_at` is also the claim: a scheduler enqueues a run only if it moves
    `next_run_at` on from the value it read (compare-and-set), so one period gives one run per deployment."""

    name = models.CharField(max_length=100, unique=True)
    interval_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_by = models.CharField(max_length=200, blank=True, help_text="The scheduler that enqueued the last run.")
    last_task_id = models.CharField(max_length=64, blank=True)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SchedulerLease(models.Model):
    """Which scheduler process is active. Others stand by and take over once `expires_at` has passed."""

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    acquired_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} ({self.holder or 'nobody'})"
