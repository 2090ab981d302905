"""Braze's hourly rate-limit window, counted per process, and the X-RateLimit-* headers of every answer."""

import threading
import time
from collections.abc import Callable

# Braze's limit for trigger sends that target ids (shared/specs/braze.md §3); the sandbox uses it for every call.
HOURLY_LIMIT = 250_000
# A 429 injected by a fault switch says to come back this soon, so fault tests do not wait an hour.
INJECTED_RESET_SECONDS = 3


class HourlyWindow:
    """Counts calls in the current clock hour; windows reset on the hour, as Braze's do."""

    def __init__(self, limit: int = HOURLY_LIMIT, *, clock: Callable[[], float] = time.time):
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._hour = -1
        self._count = 0

    def hit(self) -> tuple[bool, dict[str, str]]:
        """Count one call: whether it is within the limit, and the headers to answer with."""
        now = self._clock()
        hour = int(now // 3600)
        with self._lock:
            if hour != self._hour:
                self._hour, self._count = hour, 0
            self._count += 1
            count = self._count
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - count)),
            "X-RateLimit-Reset": str((hour + 1) * 3600),
        }
        return count <= self.limit, headers

    def injected_429_headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(self._clock()) + INJECTED_RESET_SECONDS),
        }

    def reset(self) -> None:
        with self._lock:
            self._hour, self._count = -1, 0
