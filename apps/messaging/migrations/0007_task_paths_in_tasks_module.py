"""Every task of the app now lives in apps/messaging/tasks.py: runs already queued in the database task backend
(django-tasks-db stores each run's task by its import path) are pointed at the new paths, so none is lost."""

from django.db import migrations

MOVED = {
    "apps.messaging.ledger.complete_wallet_item": "apps.messaging.tasks.complete_wallet_item",
    "apps.messaging.ledger.wallet_items_discover": "apps.messaging.tasks.wallet_items_discover",
    "apps.messaging.webhooks.process_sessionm_event": "apps.messaging.tasks.process_sessionm_event",
}


def _rename(apps, mapping):
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in mapping.items():
        DBTaskResult.objects.filter(task_path=old).update(task_path=new)


def forwards(apps, schema_editor):
    _rename(apps, MOVED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_notification_claim_token"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
