"""The customer's SessionM timeline as the activity log reads it: whole (up to ACTIVITY_MAX_EVENTS), parsed,
and kept a short while in the shared cache, so paging through the log or opening it again does not read
and parse up to a thousand events per view.

SessionM's timeline pages forward in time only and promises no event id, so each view of the log needs the
whole of it (apps.loyalty.selectors.activity_get). It changes when the customer does something through the
BFF (every service that writes to SessionM for a customer is marked `@changes_timeline`: the next view reads
it afresh, in every process) and when SessionM does something on its own (offers expiring, campaign awards):
an event SessionM reports through its webhook forgets the cached copy once it is processed
(apps.messaging.signals), and anything else shows within ACTIVITY_CACHE_SECONDS.

The cached timeline is stamped with the customer's timeline version as it was *before* the read; a change
sets a new version, so a read that was in flight during a change stores a timeline nobody will use.

The names the wallet ledger holds for the timeline's offers (in the customer's language) are kept with it: a
view of the log then makes no query at all. Under a gevent worker that query was about a third of an activity
view's CPU (0.7 of 2.0 ms, bench/profile_screens.py --gevent, A/B). A name the ledger learns later (an offer's
texts are completed shortly after it is issued) shows when the timeline is next read, as SessionM's own changes do.
"""

import functools
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache

from apps.messaging.selectors import wallet_item_titles
from apps.sessionm import get_sessionm_client
from apps.sessionm.types import TimelineEvent

if TYPE_CHECKING:
    from apps.accounts.models import Customer

# The activity log reads at most this many events (SessionM's timeline pages hold up to 1,000).
ACTIVITY_MAX_EVENTS = 3000

P = ParamSpec("P")
R = TypeVar("R")


def _keys(customer: "Customer") -> tuple[str, str]:
    # The SessionM user is part of the key: a customer whose SessionM account changed never sees the old one.
    base = f"loyalty:timeline:v2:{customer.pk}:{customer.sessionm_user_id}"
    return f"{base}:events", f"{base}:version"


def timeline_with_names(*, customer: "Customer", culture: str) -> tuple[tuple[TimelineEvent, ...], dict[str, str]]:
    """The customer's timeline, oldest first, at most ACTIVITY_MAX_EVENTS (no older than the cache allows), and
    the names the wallet ledger holds in `culture` for its offers, by user offer id."""
    seconds = settings.ACTIVITY_CACHE_SECONDS
    if seconds <= 0:
        events = _read(customer)
        return events, _offer_names(customer, events, culture)
    events_key, version_key = _keys(customer)
    found = cache.get_many([events_key, version_key])  # one round trip
    version = found.get(version_key)
    cached = found.get(events_key)
    if cached is not None and cached[0] == version:
        _version, events, names_culture, names = cached
        if names_culture == culture:
            return events, names
        # The customer's language changed since: the names in the new one, not stored (rare; the entry expires).
        return events, _offer_names(customer, events, culture)
    events = _read(customer)
    names = _offer_names(customer, events, culture)
    cache.set(events_key, (version, events, culture, names), seconds)
    return events, names


def timeline_changed(*, customer: "Customer") -> None:
    """Forget the cached timeline: the customer's next activity view reads SessionM again."""
    if settings.ACTIVITY_CACHE_SECONDS <= 0:
        return
    _events_key, version_key = _keys(customer)
    # Outlives any timeline stored under an older version (stored for ACTIVITY_CACHE_SECONDS at most), so an
    # in-flight read that stores one after this line is never taken for current.
    cache.set(version_key, secrets.token_hex(8), settings.ACTIVITY_CACHE_SECONDS + 60)


def forget_reported_activity(sender: object, *, customer: "Customer", **_: object) -> None:
    """Receiver of apps.messaging's `sessionm_activity_reported`: SessionM changed the timeline on its own."""
    timeline_changed(customer=customer)


def changes_timeline(service: Callable[P, R]) -> Callable[P, R]:
    """Marks a service that writes to SessionM for `customer` (a keyword argument): however it ends, the
    customer's cached timeline is forgotten (a call that failed, e.g. timed out, may still have been done)."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        finally:
            customer = kwargs.get("customer")
            if customer is not None:
                timeline_changed(customer=customer)  # type: ignore[arg-type]

    # Tells a test that the service is marked (functools.wraps copies it to any decorator further out).
    wrapper.changes_timeline = True  # type: ignore[attr-defined]
    return wrapper


def _offer_names(customer: "Customer", events: tuple[TimelineEvent, ...], culture: str) -> dict[str, str]:
    ids = sorted({event.user_offer_id for event in events if event.user_offer_id})
    return wallet_item_titles(customer=customer, user_offer_ids=ids, culture=culture)


def _read(customer: "Customer") -> tuple[TimelineEvent, ...]:
    return get_sessionm_client().get_timeline_events(
        customer.sessionm_id, view=settings.SESSIONM_TIMELINE_VIEW, max_events=ACTIVITY_MAX_EVENTS
    )
