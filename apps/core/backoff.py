"""Exponential backoff: the one formula behind every "wait, then try again" of the BFF.

Attempt n waits up to min(cap, base * 2^(n-1)). `jitter` is the share of that ceiling left to chance, so that
callers failing together do not all come back together:
- 1.0, "full jitter" (anywhere between 0 and the ceiling): many clients retrying one shared upstream call,
  where spreading them out matters most (apps/upstream/session.py);
- 0.5, "equal jitter" (between half and all of it): a retry that should still wait a good while, such as an
  outbox row after Braze failed (apps/messaging/delivery.py);
- 0.0, none: one process pacing itself, such as restarting the task worker (the `serve` command).
See "Exponential Backoff And Jitter", https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
"""

import random

__all__ = ["FULL_JITTER", "EQUAL_JITTER", "NO_JITTER", "backoff_ceiling", "backoff_delay"]

FULL_JITTER = 1.0
EQUAL_JITTER = 0.5
NO_JITTER = 0.0


def backoff_ceiling(attempt: int, *, base: float, cap: float) -> float:
    """The most attempt `attempt` (1 for the first retry) waits: `base` doubled per attempt, at most `cap`."""
    if base < 0 or cap < 0:
        raise ValueError("backoff base and cap are durations: they cannot be negative")
    # Attempts past the cap stop doubling before the power can overflow a float.
    doublings = min(max(0, attempt - 1), 64)
    return min(cap, base * 2.0**doublings)


def backoff_delay(attempt: int, *, base: float, cap: float, jitter: float = FULL_JITTER) -> float:
    """How long to wait before attempt `attempt` (1 for the first retry): between (1 - jitter) and all of
    backoff_ceiling(attempt). Units are the caller's (seconds, usually)."""
    if not 0.0 <= jitter <= 1.0:
        raise ValueError("jitter is the share of the delay left to chance: between 0 and 1")
    ceiling = backoff_ceiling(attempt, base=base, cap=cap)
    if jitter == NO_JITTER:
        return ceiling
    return ceiling * random.uniform(1.0 - jitter, 1.0)
