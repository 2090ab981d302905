"""Work the modules of this app ask the task worker to do later, without importing the tasks that do it.

The app's modules form a line (ARCHITECTURE.md): webhooks and discovery → ledger → reminders → the outbox
(services) → content, with delivery beside the ledger, and tasks.py on top of them all, because its tasks call
into all of them. Yet the modules below must ask for work: the outbox wakes delivery when a message commits,
the ledger has an item's missing facts fetched, the webhook queues and retries the processing of an event. They
ask through this module, and tasks.py, connected when the app is ready (MessagingConfig.ready), enqueues the
task. Nothing here imports django_tasks: tasks.py is the only module of the app that does.
"""

from datetime import datetime
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured


class Worker(Protocol):
    """What tasks.py offers the modules below it (see each function there)."""

    def delivery_schedule(self, *, at: datetime | None = None) -> None: ...

    def wallet_item_complete_enqueue(self, item_pk: int) -> None: ...

    def wallet_items_discover_enqueue(self, *, customer_pk: int, since: datetime, source: str) -> None: ...

    def sessionm_event_process_enqueue(self, event_pk: int, *, run_after: datetime | None = None) -> None: ...


_worker: Worker | None = None


def connect(worker: Worker) -> None:
    """Called once, by MessagingConfig.ready(), with the tasks module."""
    global _worker
    _worker = worker


def _connected() -> Worker:
    if _worker is None:
        # Only before Django is set up (apps.messaging not ready): asking then is a programming error.
        raise ImproperlyConfigured("apps.messaging is not ready: its tasks are connected in MessagingConfig.ready()")
    return _worker


def delivery_schedule(*, at: datetime | None = None) -> None:
    """A delivery run of the outbox now, or at `at`."""
    _connected().delivery_schedule(at=at)


def wallet_item_complete(item_pk: int) -> None:
    """Fill in the wallet item's missing expiry and texts from the customer's SessionM wallet, soon."""
    _connected().wallet_item_complete_enqueue(item_pk)


def wallet_items_discover(*, customer_pk: int, since: datetime, source: str) -> None:
    """Look a little later for offers SessionM issued to the customer since `since`."""
    _connected().wallet_items_discover_enqueue(customer_pk=customer_pk, since=since, source=source)


def sessionm_event_process(event_pk: int, *, run_after: datetime | None = None) -> None:
    """Process a recorded SessionM event now, or not before `run_after`."""
    _connected().sessionm_event_process_enqueue(event_pk, run_after=run_after)
