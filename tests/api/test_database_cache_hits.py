"""The database cache's throttle hit (apps.api.cache.DatabaseCache.window_hit, the `make run` default): counts like
add + incr + get in two statements, restarts expired counters, keeps the table within MAX_ENTRIES, and loses no
hit when several processes (SQLite) or threads (PostgreSQL, in CI) count at once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.api.cache import DatabaseCache
from tests.processes import cache_hits_from_processes, migrated_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def db_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "apps.api.cache.DatabaseCache", "LOCATION": "bff_cache", "OPTIONS": {"MAX_ENTRIES": 50}}
    }
    call_command("createcachetable", verbosity=0)  # the suite's own cache is local memory: no table yet
    cache = caches["default"]
    assert isinstance(cache, DatabaseCache)
    cache.clear()
    return cache


def test_a_hit_counts_and_reads_the_previous_window(db_cache):
    assert db_cache.window_hit("hits:2", "hits:1", 121) == (1, 0)
    assert db_cache.window_hit("hits:2", "hits:1", 121) == (2, 0)
    assert db_cache.get("hits:2") == 2  # the rate limit's peek reads what a hit counts
    db_cache.set("hits:1", 7)
    assert db_cache.window_hit("hits:2", "hits:1", 121) == (3, 7)


def test_a_hit_on_an_existing_counter_is_two_statements(db_cache):
    db_cache.window_hit("hits:2", "hits:1", 121)
    with CaptureQueriesContext(connection) as queries:
        db_cache.window_hit("hits:2", "hits:1", 121)
    statements = [
        q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 2, statements


def test_an_expired_counter_starts_again_and_so_does_its_expiry(db_cache):
    db_cache.window_hit("hits:2", "hits:1", 121)
    db_cache.window_hit("hits:1", "hits:0", 121)
    past = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0) - timedelta(seconds=5))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE bff_cache SET expires = %s", [past])
    assert db_cache.window_hit("hits:2", "hits:1", 121) == (1, 0)
    assert db_cache.get("hits:2") == 1


def test_new_counters_keep_the_table_within_max_entries(db_cache):
    for window in range(120):
        db_cache.window_hit(f"hits:{window}", f"hits:{window - 1}", 121)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM bff_cache")
        assert cursor.fetchone()[0] <= 51


@pytest.mark.django_db(transaction=True)
def test_threads_lose_no_hit(db_cache):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's test database lives in memory; processes on a SQLite file are tested below")

    def hit(_):
        try:
            return db_cache.window_hit("busy", "idle", 121)[0]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        counts = sorted(pool.map(hit, range(60)))
    assert counts == list(range(1, 61))


def test_processes_lose_no_hit(tmp_path):
    """Many threads of two processes hitting one counter in the shared SQLite cache table."""
    env = migrated_env(tmp_path)
    assert cache_hits_from_processes(env, hit="cache.window_hit('hits', 'before', 600)") == "100"
