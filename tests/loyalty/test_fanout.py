"""apps.loyalty.fanout.gather: a screen's sections at once, under one deadline, optional ones left out."""

import threading

import pytest

from apps.core.errors import NotFound
from apps.loyalty.fanout import DeadlineExceeded, gather
from apps.upstream.errors import UpstreamUnavailable


@pytest.fixture
def never():
    event = threading.Event()
    yield event
    event.set()  # lets the abandoned call's thread finish


def test_every_section_runs_at_once():
    started = threading.Barrier(3, timeout=5)

    def section(value):
        def call():
            started.wait()  # only returns once all three run at the same time
            return value

        return call

    results = gather(
        screen="test",
        required={"a": section(1)},
        optional={"b": section(2), "c": section(3)},
        deadline=5,
    )

    assert results == {"a": 1, "b": 2, "c": 3}


def test_a_failed_or_late_optional_section_is_left_out(never):
    def fails():
        raise UpstreamUnavailable("down")

    def refused():
        raise NotFound()

    results = gather(
        screen="test",
        required={"a": lambda: "a"},
        optional={"down": fails, "refused": refused, "late": lambda: never.wait(30)},
        deadline=0.3,
    )

    assert results == {"a": "a", "down": None, "refused": None, "late": None}


def test_a_failed_required_section_raises_without_waiting_for_the_others(never):
    def fails():
        raise UpstreamUnavailable("down")

    # Waiting for the late section would mean waiting out the whole deadline (past the test's own timeout).
    with pytest.raises(UpstreamUnavailable):
        gather(screen="test", required={"a": fails}, optional={"late": lambda: never.wait(600)}, deadline=600)


def test_a_late_required_section_is_a_deadline_exceeded(never):
    with pytest.raises(DeadlineExceeded):
        gather(screen="test", required={"late": lambda: never.wait(30)}, deadline=0.2)
