"""Braze's rate-limit windows, counted per process, and the X-RateLimit-* headers of every answer.

Most endpoints share an hourly window; /users/track has its own: 3,000 requests per 3 seconds
(https://braze.com/docs/api/api_limits).
"""

import threading
import time
from collections.abc import Callable

# Braze's limit for trigger sends that target ids (shared/specs/braze.md §3); the sandbox uses it for every call.
HOURLY_LIMIT = 250_000
# A 429 injected by a fault switch says to come back this soon, so fault tests do not wait an hour.
INJECTED_RESET_SECONDS = 3


TRACK_LIMIT = 3000
TRACK_WINDOW_SECONDS = 3


class HourlyWindow:
    """Counts calls in the current fixed window (an hour by default); windows reset on their boundary, as
    Braze's hourly ones reset on the hour."""

    def __init__(self, limit: int = HOURLY_LIMIT, *, clock: Callable[[], float] = time.time, seconds: int = 3600):
        self.limit = limit
        self._clock = clock
        self._seconds = seconds
        self._lock = threading.Lock()
        self._hour = -1
        self._count = 0

    def hit(self) -> tuple[bool, dict[str, str]]:
        """Count one call: whether it is within the limit, and the headers to answer with."""
        now = self._clock()
        hour = int(now // self._seconds)
        with self._lock:
            if hour != self._hour:
                self._hour, self._count = hour, 0
            self._count += 1
            count = self._count
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - count)),
            "X-RateLimit-Reset": str((hour + 1) * self._seconds),
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


def track_window(*, clock: Callable[[], float] = time.time) -> HourlyWindow:
    """/users/track's own window: 3,000 requests per 3 seconds."""
    return HourlyWindow(TRACK_LIMIT, clock=clock, seconds=TRACK_WINDOW_SECONDS)
