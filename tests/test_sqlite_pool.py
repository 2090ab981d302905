"""The SQLite backend gevent workers use (loyalty_bff/sqlite_pool): a request's connection goes back to the
process's pool when the request ends (Django's close()) and the next request takes it.

Each test adds a database alias of its own on a file of its own; every thread gets a wrapper of its own, as every
greenlet of a gevent worker does (tests/api/test_gevent.py runs the backend under gevent itself)."""

import os
import sqlite3
import threading

import pytest
from django.db import IntegrityError, OperationalError, connections, transaction

from loyalty_bff import settings as project_settings
from loyalty_bff.sqlite_pool import base as sqlite_pool

ALIAS = "pooled"


@pytest.fixture
def databases(tmp_path, django_db_blocker, monkeypatch):
    """databases(max_size=...): Django's connections get one more alias, ALIAS: a pooled SQLite file with a table
    `t` (or an in-memory database, name=":memory:")."""
    made = []

    def make(max_size=4, name=None):
        options = {**project_settings._SQLITE_OPTIONS, "pool": {"max_size": max_size}}
        name = name or str(tmp_path / f"pool-{len(made)}.sqlite3")
        config = {"ENGINE": "loyalty_bff.sqlite_pool", "NAME": name, "OPTIONS": options, "CONN_MAX_AGE": 0}
        monkeypatch.setitem(connections.settings, ALIAS, connections.configure_settings({"default": config})["default"])
        made.append(name)
        if name != ":memory:":
            in_thread(lambda connection: connection.cursor().execute("CREATE TABLE t (n integer)"))

    with django_db_blocker.unblock():
        yield make
        if made:
            connections[ALIAS].close()
            connections[ALIAS].close_pool()
            del connections[ALIAS]


def in_thread(work):
    """Run work(connection) as one request in a thread of its own (with a wrapper of its own, as each greenlet of a
    gevent worker has), then the request's close().
    Returns what work returned and the raw sqlite3 connection the request used."""
    outcome = {}

    def request():
        connection = connections[ALIAS]
        try:
            outcome["value"] = work(connection)
            outcome["raw"] = connection.connection
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            outcome["error"] = exc
        finally:
            connection.close()  # what the end of a request does with CONN_MAX_AGE=0

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], outcome["raw"]


def count_rows(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        return cursor.fetchone()[0]


def pool():
    return connections[ALIAS].pool


def is_open(raw: sqlite3.Connection) -> bool:
    try:
        raw.execute("SELECT 1")
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return False
    return True


def test_the_next_request_takes_the_connection_the_last_one_returned(databases):
    databases()

    _, first = in_thread(count_rows)
    _, second = in_thread(count_rows)

    assert second is first
    assert len(pool()) == 1


def test_a_transaction_left_open_is_rolled_back_before_the_connection_is_reused(databases):
    databases()

    def leave_open(connection):
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("INSERT INTO t VALUES (1)")
        assert connection.connection.in_transaction

    _, left_open = in_thread(leave_open)
    rows, reused = in_thread(lambda connection: (count_rows(connection), connection.connection.in_transaction))

    assert reused is left_open
    assert rows == (0, False)


def test_a_connection_closed_inside_an_atomic_block_is_rolled_back_and_reused(databases):
    databases()

    def close_midway(connection):
        with transaction.atomic(using=ALIAS):
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO t VALUES (1)")
            raw = connection.connection
            connection.close()
            with pytest.raises(Exception, match="Cannot open a new connection in an atomic block"):
                count_rows(connection)
        return raw

    closed, _ = in_thread(close_midway)
    rows, reused = in_thread(count_rows)

    assert reused is closed
    assert rows == 0


def test_a_connection_is_closed_for_real_after_a_database_error(databases):
    databases()

    def fail(connection):
        with pytest.raises(OperationalError), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
        return connection.connection

    failed, _ = in_thread(fail)

    assert not is_open(failed)
    assert len(pool()) == 0
    _, fresh = in_thread(count_rows)
    assert fresh is not failed


def test_a_constraint_error_does_not_cost_the_connection(databases):
    databases()
    in_thread(lambda connection: connection.cursor().execute("CREATE UNIQUE INDEX one_n ON t (n)"))
    _, first = in_thread(lambda connection: connection.cursor().execute("INSERT INTO t VALUES (1)"))

    def duplicate(connection):
        with pytest.raises(IntegrityError), transaction.atomic(using=ALIAS):
            connection.cursor().execute("INSERT INTO t VALUES (1)")

    _, second = in_thread(duplicate)

    assert second is first
    assert len(pool()) == 1


def test_the_pool_keeps_at_most_max_size_idle_connections_and_closes_the_rest(databases):
    databases(max_size=2)
    all_open = threading.Barrier(3)

    def hold(connection):
        count_rows(connection)
        all_open.wait(timeout=10)  # three requests with a connection each, at once

    raws = []
    threads = [threading.Thread(target=lambda: raws.append(in_thread(hold)[1])) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(raw) for raw in raws}) == 3
    assert len(pool()) == 2
    assert [is_open(raw) for raw in raws].count(True) == 2


def test_a_connection_opened_before_a_fork_is_not_used_in_the_child(databases):
    databases()
    _, parents = in_thread(count_rows)
    assert len(pool()) == 1
    read_end, write_end = os.pipe()

    pid = os.fork()
    if pid == 0:  # the child: report, and leave without running anything of pytest's
        try:
            _, childs = in_thread(count_rows)
            verdict = b"ok" if childs is not parents and parents in sqlite_pool._forsaken else b"reused"
        except BaseException as exc:  # noqa: BLE001 - whatever happens, the child must reach os._exit
            verdict = repr(exc).encode()
        os.write(write_end, verdict)
        os._exit(0)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    verdict = os.read(read_end, 1000)
    os.close(read_end)

    assert os.waitstatus_to_exitcode(status) == 0
    assert verdict == b"ok"
    # The child neither used nor closed the parent's connection: it is still the parent's to take.
    _, again = in_thread(count_rows)
    assert again is parents


def test_a_connection_checked_out_across_a_fork_is_not_pooled_by_the_child(databases, monkeypatch):
    databases()
    connection = connections[ALIAS]
    count_rows(connection)
    raw = connection.connection
    forked = os.getpid() + 1
    monkeypatch.setattr(sqlite_pool.os, "getpid", lambda: forked)  # as if the process had forked meanwhile

    connection.close()

    assert len(pool()) == 0
    assert raw in sqlite_pool._forsaken
    assert is_open(raw)  # not closed either: another process's connection


def test_an_in_memory_database_is_never_pooled(databases):
    databases(name=":memory:")
    connection = connections[ALIAS]

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
    raw = connection.connection
    connection.close()  # Django keeps an in-memory database open: closing would destroy it

    assert connection.pool is None
    assert connection.connection is raw
    assert count_rows(connection) == 0


def test_the_pool_option_never_reaches_sqlite(databases):
    databases()

    assert "pool" not in connections[ALIAS].get_connection_params()


def test_settings_outside_a_green_process_keep_djangos_backend(settings):
    # The test process is not monkey-patched: tests, db_worker, the scheduler and gthread workers.
    assert all(database["ENGINE"] != "loyalty_bff.sqlite_pool" for database in settings.DATABASES.values())
