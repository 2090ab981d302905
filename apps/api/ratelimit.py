"""Rate limits counted in the shared cache, so one limit holds for every process of the deployment.

A sliding window approximated from two fixed windows (the current minute's count plus the previous minute's,
weighted by how much of it still lies inside the last 60 s): two integers per key, updated with the cache's
atomic `add` + `incr` (Redis INCR in production; apps.api.cache.SharedFileCache under `make run`). DRF's own
throttles keep a list of timestamps that each process reads, edits and writes back, which loses hits when
two processes count at once.

The client's address honours settings.REST_FRAMEWORK["NUM_PROXIES"]: with N trusted proxies in front, the
address is the N-th entry from the right of X-Forwarded-For (the one our outermost proxy appended); anything
further left was written by the client and is never trusted. With NUM_PROXIES=0 (the default),
X-Forwarded-For is ignored and REMOTE_ADDR is the client.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """ "10/min", "5/minute", "120/m", "1000/day"."""
        count, _slash, unit = text.partition("/")
        return cls(limit=int(count), period=_PERIODS[unit.strip().lower()])


def client_address(request) -> str:
    """The caller's IP address, trusting exactly NUM_PROXIES proxies (see the module docstring)."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-min(proxies, len(hops))]


def _key(scope: str, ident: str, window: int) -> str:
    # Hashed: an email or an address is not kept readable in the cache, and the key stays short and safe.
    digest = hashlib.sha256(f"{scope}\0{ident}".encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{window}"


def _counts(scope: str, ident: str, rate: Rate, now: float) -> tuple[str, float, int]:
    window = int(now // rate.period)
    return _key(scope, ident, window), now - window * rate.period, cache.get(_key(scope, ident, window - 1), 0)


def _wait(*, current: int, previous: int, elapsed: float, rate: Rate) -> int | None:
    estimate = previous * (1 - elapsed / rate.period) + current
    if estimate <= rate.limit:
        return None
    if current > rate.limit:
        return max(1, math.ceil(rate.period - elapsed))
    # Over only because of the previous window: wait until enough of it has slid out.
    needed = rate.period * (1 - (rate.limit - current) / previous) - elapsed
    return max(1, math.ceil(needed))


def rate_limit_peek(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> int | None:
    """Would one more attempt be over `rate`? None when not, else the seconds to wait. Counts nothing."""
    key, elapsed, previous = _counts(scope, ident, rate, time.time() if now is None else now)
    return _wait(current=cache.get(key, 0) + 1, previous=previous, elapsed=elapsed, rate=rate)


def rate_limit_hit(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> int | None:
    """Count one attempt of `ident` in `scope`. Returns None when it is within `rate`, else the seconds to wait.

    Attempts over the limit are counted too, so a client that keeps trying stays locked out until it pauses.
    """
    key, elapsed, previous = _counts(scope, ident, rate, time.time() if now is None else now)
    # Twice the period: the next window still reads this one as its "previous".
    cache.add(key, 0, timeout=2 * rate.period + 1)
    try:
        current = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=2 * rate.period + 1)
        current = 1
    return _wait(current=current, previous=previous, elapsed=elapsed, rate=rate)
