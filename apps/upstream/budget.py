"""One upstream time budget per request, shared by every upstream call the request makes, retries included.

A per-call timeout alone let a hanging SessionM hold a request for 3 x 5 s (the read timeout times the tries).
The web and API request handlers open a budget (apps.api.middleware.UpstreamBudgetMiddleware), and `send`
gives each try only what is left of it: a screen answers 504 within the budget, whatever SessionM does.

The deadline lives in a context variable, so the threads a screen fans its calls out to (apps/loyalty/fanout.py
runs each call in a copy of the request's context) spend the same budget. Code outside a request (the outbox
worker, management commands) has no budget: each call has only its own timeouts.

Note: `requests` applies a read timeout to each wait for bytes, not to a whole response; an upstream trickling
bytes slower than that can still run past the budget by up to one read timeout.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("upstream_deadline", default=None)


@contextmanager
def upstream_budget(seconds: float) -> Iterator[None]:
    """Let upstream calls in this block spend at most `seconds` in all (never more than an enclosing budget)."""
    deadline = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def budget_remaining() -> float | None:
    """Seconds left in the current budget (0 when spent), or None outside any budget."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    return max(0.0, deadline - time.monotonic())
