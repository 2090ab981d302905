"""Run a screen's independent upstream calls at once, under one deadline.

A screen that needs three SessionM calls should take as long as the slowest of them, not their sum. The pool
is small and shared by the process (created on first use, so never before a server forks its workers).
`gather` is what a screen calls (the app's home, the web wallet and points pages): its sections are required
or optional, and an optional one that fails or is late is left out while the rest of the screen shows.
"""

import contextvars
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections

from apps.core.errors import DomainError
from apps.upstream.errors import UpstreamError, UpstreamTimeout

logger = logging.getLogger(__name__)

# Enough for every request in flight in a server process to fan out three calls at once; a call waiting for
# a free thread would spend its screen's deadline waiting. Under gevent (gunicorn has monkey-patched the
# worker before Django loads) the pool's threads are greenlets, so one per in-flight call costs little.
CALLS_PER_SCREEN = 3


def pool_size() -> int:
    return max(16, CALLS_PER_SCREEN * settings.WEB_IN_FLIGHT)


@cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=pool_size(), thread_name_prefix="loyalty-fanout")


class DeadlineExceeded(UpstreamTimeout):
    """A call of a fan-out did not finish before the screen's deadline."""


def _closing_connections(call: Callable[[], Any]) -> Callable[[], Any]:
    def run():
        try:
            return call()
        finally:
            # A call may open a database connection in this pool thread (the in-process sandbox does); nothing
            # else would ever close it.
            connections.close_all()

    return run


def fan_out(calls: dict[str, Callable[[], Any]], *, deadline: float) -> dict[str, Future]:
    """Start every call and wait until all are done or `deadline` seconds have passed.

    Returns a future per name; read each with `outcome()`.
    """
    # Each call runs in a copy of the caller's context, so its log lines keep the request id.
    futures = {
        name: _pool().submit(contextvars.copy_context().run, _closing_connections(call)) for name, call in calls.items()
    }
    ends_at = time.monotonic() + deadline
    for future in futures.values():
        try:
            future.exception(timeout=max(0.0, ends_at - time.monotonic()))
        except FutureTimeout:
            break
    return futures


def outcome(future: Future, *, label: str) -> Any:
    """The call's result; raises its exception, or DeadlineExceeded if it is still running."""
    if not future.done():
        # Still running: it finishes in the background and its result is dropped.
        future.cancel()
        raise DeadlineExceeded(f"{label} did not answer before the deadline")
    return future.result()


def gather(
    *,
    screen: str,
    required: dict[str, Callable[[], Any]],
    optional: dict[str, Callable[[], Any]] | None = None,
    deadline: float,
) -> dict[str, Any]:
    """Every section's result by name, its call made at once with the others within `deadline` seconds.

    A required section that fails raises its error (a DomainError, a vendor's UpstreamError, or
    DeadlineExceeded when it is late) as soon as it is known, without waiting for the rest; an optional one
    that fails or is late is None, so the screen can say so. `screen` names the screen in logs.
    """
    optional = optional or {}
    ends_at = time.monotonic() + deadline
    futures = {
        name: _pool().submit(contextvars.copy_context().run, _closing_connections(call))
        for name, call in {**required, **optional}.items()
    }
    results: dict[str, Any] = {}
    for name in required:
        _wait(futures[name], ends_at)
        results[name] = outcome(futures[name], label=f"{screen} {name}")
    for name in optional:
        _wait(futures[name], ends_at)
        try:
            results[name] = outcome(futures[name], label=f"{screen} {name}")
        except (DomainError, UpstreamError) as exc:
            logger.warning("%s: %s left out (%s)", screen, name, exc.__class__.__name__)
            results[name] = None
    return results


def _wait(future: Future, ends_at: float) -> None:
    try:
        future.exception(timeout=max(0.0, ends_at - time.monotonic()))
    except FutureTimeout:
        pass
