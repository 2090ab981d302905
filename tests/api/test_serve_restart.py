"""`serve` restarts a dead task worker after a pause that doubles with each quick death, up to a minute."""

from apps.api.management.commands.serve import WORKER_RESTART_MAX, WORKER_RESTART_MIN, worker_restart_pause


def test_the_pause_doubles_per_quick_death_from_one_second_to_a_minute():
    assert [worker_restart_pause(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert worker_restart_pause(1) == WORKER_RESTART_MIN
    assert worker_restart_pause(100) == WORKER_RESTART_MAX
