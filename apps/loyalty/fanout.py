"""Run a screen's independent upstream calls at once, under one deadline.

A screen that needs three SessionM calls should take as long as the slowest of them, not their sum. The pool
is small and shared by the process (created on first use, so never before a server forks its workers).
"""

import contextvars
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections

from apps.upstream.errors import UpstreamTimeout

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
