"""apps.core.backoff: the one exponential backoff, with full, equal or no jitter."""

import pytest

from apps.core.backoff import EQUAL_JITTER, FULL_JITTER, NO_JITTER, backoff_ceiling, backoff_delay


def test_the_ceiling_doubles_from_base_up_to_cap():
    assert [backoff_ceiling(n, base=1.0, cap=60.0) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_attempt_zero_or_less_waits_the_base_and_huge_attempts_stay_at_the_cap():
    assert backoff_ceiling(0, base=0.2, cap=2.0) == 0.2
    assert backoff_ceiling(10_000, base=0.2, cap=2.0) == 2.0


def test_no_jitter_is_exactly_the_ceiling():
    assert [backoff_delay(n, base=1.0, cap=60.0, jitter=NO_JITTER) for n in (1, 2, 3, 7)] == [1, 2, 4, 60]


@pytest.mark.parametrize(("jitter", "floor_share"), [(FULL_JITTER, 0.0), (EQUAL_JITTER, 0.5), (0.25, 0.75)])
def test_jitter_keeps_the_delay_between_its_floor_and_the_ceiling(jitter, floor_share):
    for attempt in range(1, 12):
        ceiling = backoff_ceiling(attempt, base=30.0, cap=3600.0)
        delays = [backoff_delay(attempt, base=30.0, cap=3600.0, jitter=jitter) for _ in range(200)]
        assert all(ceiling * floor_share <= delay <= ceiling for delay in delays)
        # Left to chance: not every retry comes back at the same moment.
        assert len(set(delays)) > 1


def test_full_jitter_matches_the_upstream_retry_formula(monkeypatch):
    # apps/upstream/session.py's backoff_delay is random.uniform(0, min(cap, base * 2 ** (attempt - 1))): the
    # same draw, over the same range, comes out of the core helper with full jitter.
    draws = []
    monkeypatch.setattr("apps.core.backoff.random.uniform", lambda low, high: draws.append((low, high)) or high / 3)
    assert backoff_delay(3, base=0.2, cap=2.0, jitter=FULL_JITTER) == pytest.approx(0.8 / 3)
    assert draws == [(0.0, 1.0)]


def test_negative_durations_and_jitter_outside_0_to_1_are_refused():
    with pytest.raises(ValueError):
        backoff_ceiling(1, base=-1.0, cap=1.0)
    with pytest.raises(ValueError):
        backoff_delay(1, base=1.0, cap=1.0, jitter=1.5)
