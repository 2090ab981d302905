"""Rate limits counted in the shared cache, so one limit holds for every process of the deployment.

A sliding window approximated from two fixed windows (the current minute's count plus the previous minute's,
weighted by how much of it still lies inside the last 60 s): two integers per key. Every app request counts
one hit, so a hit is one round trip to the shared cache: the backends of apps/api/cache.py count it and read
the previous window together (`window_hit`: a Lua script in Redis in production, two SQL statements in the database
cache under `make run`), atomically across processes. Any other backend (the tests' local-memory cache) gets
the same count from `add` + `incr` + `get`. DRF's own throttles keep a list of timestamps that each process
reads, edits and writes back, which loses hits when two processes count at once.

The client's address honours settings.REST_FRAMEWORK["NUM_PROXIES"]: with N trusted proxies in front, the
address is the N-th entry from the right of X-Forwarded-For (the one our outermost proxy appended); anything
further left was written by the client and is never trusted. With NUM_PROXIES=0 (the default),
X-Forwarded-For is ignored and REMOTE_ADDR is the client.
"""

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

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


def _window(rate: Rate, now: float) -> tuple[int, float]:
    """The current fixed window's number, and how far into it `now` is."""
    window = int(now // rate.period)
    return window, now - window * rate.period


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
    window, elapsed = _window(rate, time.time() if now is None else now)
    key, previous_key = _key(scope, ident, window), _key(scope, ident, window - 1)
    counts = cache.get_many([key, previous_key])
    return _wait(current=counts.get(key, 0) + 1, previous=counts.get(previous_key, 0), elapsed=elapsed, rate=rate)


def rate_limit_hit(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> int | None:
    """Count one attempt of `ident` in `scope`. Returns None when it is within `rate`, else the seconds to wait.

    Attempts over the limit are counted too, so a client that keeps trying stays locked out until it pauses.
    """
    window, elapsed = _window(rate, time.time() if now is None else now)
    # Twice the period: the next window still reads this one as its "previous".
    current, previous = _window_hit(_key(scope, ident, window), _key(scope, ident, window - 1), 2 * rate.period + 1)
    return _wait(current=current, previous=previous, elapsed=elapsed, rate=rate)


def rate_limit_hit_get(*, scope: str, ident: str, rate: Rate, get_key: str) -> tuple[int | None, Any]:
    """rate_limit_hit, and the shared cache's value at `get_key` (None when absent): in one round trip on Redis,
    the hit then the read elsewhere."""
    window, elapsed = _window(rate, time.time())
    key, previous_key, timeout = _key(scope, ident, window), _key(scope, ident, window - 1), 2 * rate.period + 1
    window_hit_get = getattr(cache, "window_hit_get", None)
    if window_hit_get is not None:
        current, previous, value = window_hit_get(key, previous_key, timeout, get_key)
    else:
        current, previous = _window_hit(key, previous_key, timeout)
        value = cache.get(get_key)
    return _wait(current=current, previous=previous, elapsed=elapsed, rate=rate), value


def _window_hit(key: str, previous_key: str, timeout: int) -> tuple[int, int]:
    """One hit on `key`: (its count after the hit, `previous_key`'s count)."""
    window_hit = getattr(cache, "window_hit", None)
    if window_hit is not None:
        return window_hit(key, previous_key, timeout)
    cache.add(key, 0, timeout=timeout)
    try:
        current = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        current = 1
    return current, cache.get(previous_key, 0)
