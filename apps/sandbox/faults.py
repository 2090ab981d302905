"""Fault injection: the switches per upstream (FaultSwitch rows), reading them cheaply, and setting them.

A switch adds latency to every answer and turns a share of answers into failures: 5xx (`error_rate`), hangs
that outlast the caller's timeout (`timeout_rate`) and, for Braze only, 429s (`rate_limit_rate`). The shares
are exclusive slices of one draw, so error_rate=0.5 with timeout_rate=0.5 fails every call.
"""

import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db import transaction

from .models import FaultSwitch
from .router import SANDBOX_DB

UPSTREAMS = ("sessionm-core", "sessionm-connect", "sessionm-pos", "braze")
RATE_LIMITED_UPSTREAMS = frozenset({"braze"})
# Upstreams with a documented "come back later" answer: Braze's 202 {"message":"queued"} during maintenance
# (https://braze.com/docs/api/errors) and Cloud POS's "pending processing" for a request_id still processing
# (https://docs.sessionm.com/developer/APIs/POS/general_dto_definitions.htm).
DEFERRED_UPSTREAMS = frozenset({"braze", "sessionm-pos"})
MAX_LATENCY_MS = 60_000
RATE_FIELDS = ("error_rate", "timeout_rate", "rate_limit_rate", "deferred_rate")

TIMEOUT = "timeout"
ERROR = "error"
RATE_LIMIT = "rate_limit"
DEFERRED = "deferred"


@dataclass(frozen=True)
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    rate_limit_rate: float = 0.0
    deferred_rate: float = 0.0

    def pick(self, draw: float) -> str | None:
        """The fault a uniform draw in [0, 1) lands on, or None for a normal answer."""
        shares = (
            (TIMEOUT, self.timeout_rate),
            (ERROR, self.error_rate),
            (RATE_LIMIT, self.rate_limit_rate),
            (DEFERRED, self.deferred_rate),
        )
        for fault, rate in shares:
            if draw < rate:
                return fault
            draw -= rate
        return None

    @property
    def active(self) -> bool:
        return self != NO_FAULTS

    def as_dict(self) -> dict:
        return asdict(self)


NO_FAULTS = Faults()

_lock = threading.Lock()
_cached: tuple[float, dict[str, Faults]] | None = None


def faults_for(upstream: str, *, max_age: float = 0.0) -> Faults:
    """The switch of one upstream. With `max_age` (seconds) a snapshot that young is reused, so a busy server
    reads the table about once a second rather than on every request."""
    global _cached
    now = time.monotonic()
    with _lock:
        cached = _cached
    if cached is None or max_age <= 0 or now - cached[0] > max_age:
        cached = (now, all_faults())
        with _lock:
            _cached = cached
    return cached[1].get(upstream, NO_FAULTS)


def all_faults() -> dict[str, Faults]:
    """Every upstream's switch, read now (NO_FAULTS where no row exists)."""
    rows = {row.upstream: row for row in FaultSwitch.objects.using(SANDBOX_DB).filter(upstream__in=UPSTREAMS)}
    return {
        upstream: Faults(
            latency_ms=row.latency_ms,
            error_rate=row.error_rate,
            timeout_rate=row.timeout_rate,
            rate_limit_rate=row.rate_limit_rate,
            deferred_rate=row.deferred_rate,
        )
        if (row := rows.get(upstream))
        else NO_FAULTS
        for upstream in UPSTREAMS
    }


def invalidate_cache() -> None:
    global _cached
    with _lock:
        _cached = None


def set_faults(
    *,
    upstreams: Iterable[str] | None = None,
    latency_ms: int | None = None,
    error_rate: float | None = None,
    timeout_rate: float | None = None,
    rate_limit_rate: float | None = None,
    deferred_rate: float | None = None,
) -> dict[str, Faults]:
    """Change the given fields of the switches of `upstreams` (all of them when None); fields left None keep
    their value. `rate_limit_rate` applies to Braze: with every upstream it is set on Braze only, and naming a
    SessionM upstream with a non-zero rate is an error. Raises ValueError on an out-of-range value."""
    names = _upstream_names(upstreams)
    changes = _validated(latency_ms=latency_ms, error_rate=error_rate, timeout_rate=timeout_rate)
    if rate_limit_rate is not None:
        _check_rate("rate_limit_rate", rate_limit_rate)
        if upstreams is not None and rate_limit_rate and set(names) - RATE_LIMITED_UPSTREAMS:
            raise ValueError("rate_limit_rate applies to braze only")
    if deferred_rate is not None:
        _check_rate("deferred_rate", deferred_rate)
        if upstreams is not None and deferred_rate and set(names) - DEFERRED_UPSTREAMS:
            raise ValueError("deferred_rate applies to braze and sessionm-pos only")
    with transaction.atomic(using=SANDBOX_DB):
        for name in names:
            switch, _ = FaultSwitch.objects.using(SANDBOX_DB).select_for_update().get_or_create(upstream=name)
            for field, value in changes.items():
                setattr(switch, field, value)
            if rate_limit_rate is not None and name in RATE_LIMITED_UPSTREAMS:
                switch.rate_limit_rate = rate_limit_rate
            if deferred_rate is not None and name in DEFERRED_UPSTREAMS:
                switch.deferred_rate = deferred_rate
            switch.save()
    invalidate_cache()
    return all_faults()


def replace_faults(*, upstreams: Iterable[str] | None = None, **values) -> dict[str, Faults]:
    """Set the switches of `upstreams` to exactly `values` (fields not given are off), all or nothing."""
    with transaction.atomic(using=SANDBOX_DB):
        clear_faults(upstreams=upstreams)
        current = set_faults(upstreams=upstreams, **values)
    invalidate_cache()
    return current


def clear_faults(*, upstreams: Iterable[str] | None = None) -> dict[str, Faults]:
    """Switch faults off for `upstreams` (all of them when None)."""
    names = _upstream_names(upstreams)
    FaultSwitch.objects.using(SANDBOX_DB).filter(upstream__in=names).delete()
    invalidate_cache()
    return all_faults()


def _upstream_names(upstreams: Iterable[str] | None) -> list[str]:
    if upstreams is None:
        return list(UPSTREAMS)
    names = list(dict.fromkeys(upstreams))
    unknown = [name for name in names if name not in UPSTREAMS]
    if unknown:
        raise ValueError(f"unknown upstream {', '.join(unknown)} (one of {', '.join(UPSTREAMS)})")
    if not names:
        raise ValueError("name at least one upstream")
    return names


def _validated(**values) -> dict:
    changes = {}
    for field, value in values.items():
        if value is None:
            continue
        if field == "latency_ms":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LATENCY_MS:
                raise ValueError(f"latency_ms must be a whole number from 0 to {MAX_LATENCY_MS}")
        else:
            _check_rate(field, value)
        changes[field] = value
    return changes


def _check_rate(field: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{field} must be a number from 0 to 1")
