"""Periodic housekeeping as tasks, so that the scheduler only enqueues and a worker does the work (and a
slow clean-up never delays the next job being enqueued)."""

import io
from datetime import timedelta

from django.core.management import call_command
from django_tasks import task

from apps.accounts.services import customers_forget_abandoned_signups
from apps.api.idempotency import idempotency_keys_prune
from apps.loyalty.intake import pos_intake_prune


@task()
def forget_abandoned_signups(*, days: int = 7) -> dict:
    return {"forgotten": customers_forget_abandoned_signups(older_than=timedelta(days=days))}


@task()
def prune_idempotency_keys() -> dict:
    return {"deleted": idempotency_keys_prune()}


@task()
def prune_pos_intake() -> dict:
    return pos_intake_prune()


@task()
def prune_task_results(*, min_age_days: int = 14) -> dict:
    # django-tasks-db's own command: finished results older than min_age_days (the outbox keeps its own record).
    output = io.StringIO()
    call_command("prune_db_task_results", min_age_days=min_age_days, stdout=output, verbosity=1)
    return {"output": output.getvalue().strip()}


@task()
def clear_expired_sessions() -> dict:
    # Django's own command: it asks whichever SESSION_ENGINE is configured to drop its expired sessions.
    call_command("clearsessions")
    return {"cleared": True}
