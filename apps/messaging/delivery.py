"""One delivery pass of the outbox: claim what is due, send it to Braze in batches, record every outcome.

Why it works the way it does:
- Braze has no idempotency key. A batch is marked sent as soon as its call answers 2xx, before the next
  call, so a worker that dies can at worst re-send the one batch it had in flight, never an earlier one.
- A claim is a status change (`sending` + claimed_at + the run's claim_token) made under SKIP LOCKED on
  PostgreSQL (on SQLite the IMMEDIATE transaction serialises claims), so parallel workers never pick the same
  rows. The claim is a lease of CLAIM_LEASE that the run renews right before each Braze call (one call takes at
  most BRAZE_TIMEOUT, 12 s), so a claim not renewed for CLAIM_LEASE belongs to a worker that died: it is claimed
  again, and the run that claims anything first schedules a run for when its lease would lapse, so a batch whose
  worker died is redelivered about CLAIM_LEASE later. A run only ever writes rows still under its own token.
- 429: the batch goes back untouched (not counted as an attempt) until Braze's reset time, and nothing more
  is sent to Braze until then. When X-RateLimit-Remaining runs low the pass also stops until the reset.
- 5xx, timeouts, unreachable Braze: retried with capped, jittered exponential backoff; dead after
  settings.NOTIFICATION_MAX_ATTEMPTS. Other 4xx: failed at once, because the same body would fail again.
- Claimed expiry reminders are checked against the wallet ledger just before sending (reminders_screen in
  apps/messaging/reminders.py): one whose offer has left the wallet or expired is cancelled, not sent.
"""

import json
import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.braze import get_braze_client
from apps.braze.errors import BrazeError, BrazeRateLimited, BrazeRequestRejected
from apps.braze.routes import MAX_RECIPIENTS_PER_TRIGGER
from apps.braze.types import Recipient
from apps.core.backoff import EQUAL_JITTER, backoff_delay

from .models import AttemptOutcome, DeliveryAttempt, Notification, NotificationStatus
from .reminders import reminders_screen

logger = logging.getLogger(__name__)

CLAIM_SIZE = 500  # rows claimed per round trip (10 Braze calls)
# Longer than one Braze call can take (BRAZE_TIMEOUT: 2 s connect + 10 s read), which is all a run does between
# two renewals; short, so a dead worker's batch waits about this long.
CLAIM_LEASE = timedelta(seconds=30)
# Stop and wait for the window's reset when Braze says this few calls are left, leaving room for other senders.
RATE_LIMIT_RESERVE = 10
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)
_PAUSE_CACHE_KEY = "messaging:braze-paused-until"
_ERROR_MAX_LENGTH = 1000


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0  # put back untouched until Braze's rate-limit window resets
    calls: int = 0
    paused_until: datetime | None = None

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in ("sent", "retrying", "failed", "dead", "deferred", "calls")}
        data["paused_until"] = self.paused_until.isoformat() if self.paused_until else None
        return data


@dataclass
class _Batch:
    target: dict
    notifications: list[Notification] = field(default_factory=list)


def braze_paused_until(*, now: datetime | None = None) -> datetime | None:
    """When Braze asked us to wait (429 or an exhausted window), the moment sending may resume."""
    stamp = cache.get(_PAUSE_CACHE_KEY)
    now = now or timezone.now()
    if stamp is None or stamp <= now.timestamp():
        return None
    return datetime.fromtimestamp(stamp, tz=UTC)


def _pause(until: datetime, *, now: datetime) -> None:
    timeout = max(1, math.ceil((until - now).total_seconds()) + 1)
    cache.set(_PAUSE_CACHE_KEY, until.timestamp(), timeout=timeout)


def retry_delay(attempts: int) -> timedelta:
    """Equal-jitter exponential backoff: between half and all of min(cap, base * 2^(attempts-1)). Equal, not
    full, jitter: a row Braze just failed should not come back within seconds."""
    seconds = backoff_delay(
        attempts, base=RETRY_BASE.total_seconds(), cap=RETRY_CAP.total_seconds(), jitter=EQUAL_JITTER
    )
    return timedelta(seconds=seconds)


def deliver_due(*, now: datetime | None = None, on_first_claim=None) -> DeliveryReport:
    """Send every notification that is due, until none is left or Braze asks us to wait.

    `now` fixes the pass's clock (tests and replays); by default the real time is read as the pass goes.
    `on_first_claim(lease_ends)` is called once, right after the first claim commits: the task schedules the
    run that will redeliver the claim if this worker dies holding it.
    """
    clock = (lambda: now) if now is not None else timezone.now
    report = DeliveryReport(paused_until=braze_paused_until(now=clock()))
    if report.paused_until:
        return report
    client = get_braze_client()
    token = uuid.uuid4().hex
    while not report.paused_until:
        claimed = _claim(now=clock(), token=token)
        if not claimed:
            break
        if on_first_claim is not None:
            on_first_claim(clock() + CLAIM_LEASE)
            on_first_claim = None
        # Expiry reminders are checked against the wallet ledger (and SessionM) first: the rows still to send.
        claimed = reminders_screen(claimed, now=clock())
        for batch in _batches(claimed):
            if report.paused_until:
                _defer(batch.notifications, until=report.paused_until)
                report.deferred += len(batch.notifications)
                continue
            batch.notifications = _renew(batch.notifications, now=clock())
            if batch.notifications:
                _send(client, batch, clock=clock, report=report)
    return report


def _renew(notifications: list[Notification], *, now: datetime) -> list[Notification]:
    """Extend our lease on these rows; returns those still ours (a lapsed lease may have been taken over)."""
    held = Notification.objects.in_flight(notifications)
    held.update(claimed_at=now)
    still_ours = set(held.values_list("pk", flat=True))
    lost = len(notifications) - len(still_ours)
    if lost:
        logger.warning("%s notifications were reclaimed by another run after our lease lapsed; not sending them", lost)
    return [n for n in notifications if n.pk in still_ours]


def _claim(*, now: datetime, token: str) -> list[Notification]:
    due = Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=NotificationStatus.SENDING, claimed_at__lt=now - CLAIM_LEASE
    )
    db = router.db_for_write(Notification)
    with transaction.atomic(using=db):
        candidates = Notification.objects.using(db).filter(due).order_by("next_attempt_at", "pk")
        if connections[db].features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:CLAIM_SIZE])
        if not ids:
            return []
        reclaimed = Notification.objects.using(db).filter(pk__in=ids, status=NotificationStatus.SENDING).count()
        if reclaimed:
            logger.warning("reclaiming %s notifications left in 'sending' by a stopped worker", reclaimed)
        Notification.objects.using(db).filter(pk__in=ids).update(
            status=NotificationStatus.SENDING, claimed_at=now, claim_token=token, updated_at=now
        )
    return list(Notification.objects.using(db).filter(pk__in=ids).order_by("next_attempt_at", "pk"))


def _batches(notifications: list[Notification]) -> list[_Batch]:
    """Group by Braze target; at most 50 recipients per call and each recipient once per call, because
    Braze sends one message to a recipient listed twice in the same call."""
    batches: list[_Batch] = []
    open_batches: dict[tuple[str, str], list[_Batch]] = {}
    for notification in notifications:
        target = (notification.target_type, notification.target_id)
        candidates = open_batches.setdefault(target, [])
        batch = next(
            (
                b
                for b in candidates
                if len(b.notifications) < MAX_RECIPIENTS_PER_TRIGGER
                and all(n.recipient != notification.recipient for n in b.notifications)
            ),
            None,
        )
        if batch is None:
            batch = _Batch(target={"type": target[0], "id": target[1]})
            candidates.append(batch)
            batches.append(batch)
        batch.notifications.append(notification)
    return batches


def _recipient(notification: Notification) -> Recipient:
    return Recipient(
        external_user_id=notification.recipient,
        trigger_properties=notification.trigger_properties,
        attributes=notification.attributes,
        send_to_existing_only=notification.send_to_existing_only,
    )


def _describe(exc: Exception) -> str:
    # The Braze client's messages name the route and status, never the API key or a recipient.
    return f"{exc.__class__.__name__}: {exc}"[:_ERROR_MAX_LENGTH]


def _send(client, batch: _Batch, *, clock, report: DeliveryReport) -> None:
    notifications = batch.notifications
    started = clock()
    report.calls += 1
    try:
        result = client.trigger(target=batch.target, recipients=[_recipient(n) for n in notifications])
    except BrazeRateLimited as exc:
        until = exc.reset_at or started + timedelta(hours=1)
        _record(notifications, AttemptOutcome.RATE_LIMITED, started, clock(), status=429, error=_describe(exc))
        _defer(notifications, until=until)
        _pause(until, now=clock())
        report.deferred += len(notifications)
        report.paused_until = until
        logger.warning("braze rate limit reached; sending resumes at %s", until.isoformat())
    except BrazeRequestRejected as exc:
        _fail(notifications, started=started, finished=clock(), status=exc.status_code, error=_describe(exc))
        report.failed += len(notifications)
        logger.error("braze refused a %s batch of %s: %s", batch.target["type"], len(notifications), _describe(exc))
    except BrazeError as exc:
        _retry_later(notifications, started=started, finished=clock(), status=exc.status_code, error=_describe(exc))
        _count_retries(notifications, report)
    except Exception as exc:  # noqa: BLE001 - a bug must not strand the batch in 'sending'; it is retried, then dead
        logger.exception("unexpected error sending a notification batch")
        _retry_later(notifications, started=started, finished=clock(), status=None, error=exc.__class__.__name__)
        _count_retries(notifications, report)
    else:
        errors = json.dumps(result.errors, default=str)[:_ERROR_MAX_LENGTH] if result.errors else ""
        if result.queued:
            # Braze's maintenance answer: it has the call and sends later. Sent, as far as we are concerned.
            errors = "Braze answered 202 queued (maintenance): it processes the send later"
        _mark_sent(notifications, dispatch_id=result.dispatch_id, started=started, finished=clock(), errors=errors)
        report.sent += len(notifications)
        _pace(result.rate_limit, clock=clock, report=report)


def _pace(rate_limit, *, clock, report: DeliveryReport) -> None:
    if rate_limit is None or rate_limit.remaining is None or rate_limit.reset_at is None:
        return
    if rate_limit.remaining <= RATE_LIMIT_RESERVE and rate_limit.reset_at > clock():
        _pause(rate_limit.reset_at, now=clock())
        report.paused_until = rate_limit.reset_at
        logger.info("braze window nearly used (%s left); waiting for %s", rate_limit.remaining, rate_limit.reset_at)


def _count_retries(notifications: list[Notification], report: DeliveryReport) -> None:
    dead = sum(1 for n in notifications if n.attempts + 1 >= settings.NOTIFICATION_MAX_ATTEMPTS)
    report.dead += dead
    report.retrying += len(notifications) - dead


def _record(notifications, outcome, started, finished, *, status=None, dispatch_id="", error="") -> None:
    DeliveryAttempt.objects.bulk_create(
        DeliveryAttempt(
            notification=n,
            started_at=started,
            finished_at=finished,
            outcome=outcome,
            http_status=status,
            dispatch_id=dispatch_id,
            error=error,
        )
        for n in notifications
    )


def _mark_sent(notifications, *, dispatch_id: str, started, finished, errors: str) -> None:
    with transaction.atomic():
        Notification.objects.in_flight(notifications).update(
            status=NotificationStatus.SENT,
            sent_at=finished,
            dispatch_id=dispatch_id,
            attempts=F("attempts") + 1,
            claimed_at=None,
            last_error="",
            updated_at=finished,
        )
        _record(notifications, AttemptOutcome.SENT, started, finished, dispatch_id=dispatch_id, error=errors)


def _fail(notifications, *, started, finished, status, error: str) -> None:
    with transaction.atomic():
        Notification.objects.in_flight(notifications).update(
            status=NotificationStatus.FAILED,
            attempts=F("attempts") + 1,
            claimed_at=None,
            last_error=error,
            updated_at=finished,
        )
        _record(notifications, AttemptOutcome.REJECTED, started, finished, status=status, error=error)


def _retry_later(notifications, *, started, finished, status, error: str) -> None:
    with transaction.atomic():
        for notification in notifications:
            attempts = notification.attempts + 1
            if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                changes = {"status": NotificationStatus.DEAD}
            else:
                changes = {"status": NotificationStatus.PENDING, "next_attempt_at": finished + retry_delay(attempts)}
            Notification.objects.in_flight([notification]).update(
                attempts=attempts, claimed_at=None, last_error=error, updated_at=finished, **changes
            )
        _record(notifications, AttemptOutcome.TRANSIENT_ERROR, started, finished, status=status, error=error)


def _defer(notifications, *, until: datetime) -> None:
    Notification.objects.in_flight(notifications).update(
        status=NotificationStatus.PENDING, next_attempt_at=until, claimed_at=None, updated_at=timezone.now()
    )
