"""`manage.py serve` runs gunicorn's gevent workers by default. Under gevent's monkey patching, the home
screen's fan-out must still run its calls at once under one deadline, psycopg 3 must yield to other greenlets
while it waits on PostgreSQL, and a database connection must outlive the greenlet of its request (the pools).
Each check runs in a fresh interpreter patched the way gunicorn's gevent worker patches itself (before Django
is imported), and proves concurrency by ordering: a call that can only finish once another one has run.
Without concurrency the script hangs and the test times out."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent

PREAMBLE = """
from gevent import monkey

monkey.patch_all()

import os
import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loyalty_bff.settings")
django.setup()
"""


def run_patched(script: str, **env) -> str:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_CONN_MAX_AGE"} | env
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-c", PREAMBLE + textwrap.dedent(script)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_fan_out_runs_its_calls_at_once_and_keeps_its_deadline_under_gevent():
    out = run_patched(
        """
        import threading

        from apps.loyalty.fanout import DeadlineExceeded, fan_out, outcome

        # Each call waits for the other: they can only both finish if they run at the same time.
        first, second, never = threading.Event(), threading.Event(), threading.Event()

        def a():
            first.set()
            assert second.wait(5), "b never ran while a waited"
            return "a"

        def b():
            second.set()
            assert first.wait(5), "a never ran while b waited"
            return "b"

        futures = fan_out({"a": a, "b": b, "stuck": lambda: never.wait(30)}, deadline=0.5)
        print(outcome(futures["a"], label="a"), outcome(futures["b"], label="b"))
        try:
            outcome(futures["stuck"], label="stuck")
        except DeadlineExceeded:
            print("deadline kept")
        never.set()
        """
    )
    assert out.split() == ["a", "b", "deadline", "kept"]


def test_a_gevent_worker_does_not_keep_database_connections_a_greenlet_would_strand():
    out = run_patched(
        """
        from django.conf import settings

        print(settings.DATABASES["default"]["CONN_MAX_AGE"])
        """
    )
    assert out.split() == ["0"]


def test_a_gevent_worker_on_sqlite_takes_its_connections_from_the_process_pool(tmp_path):
    out = run_patched(
        """
        import gevent
        from django.db import close_old_connections, connection

        def request(hold=0):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            raw = connection.connection
            gevent.sleep(hold)  # waiting on SessionM, say: other requests run meanwhile
            close_old_connections()  # what the end of a request does (request_finished): back to the pool
            return raw

        one_at_a_time = {id(gevent.spawn(request).get()) for _ in range(6)}  # a greenlet per request
        at_once = [gevent.spawn(request, 0.05) for _ in range(4)]
        gevent.joinall(at_once, raise_error=True)
        print(
            connection.settings_dict["ENGINE"],
            len(one_at_a_time),
            len({id(greenlet.value) for greenlet in at_once}),
            len(connection.pool),
        )
        """,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATABASE_POOL_MAX_SIZE="3",
    )
    # One connection serves requests one after the other; four at once need four, and the pool keeps three.
    assert out.split() == ["loyalty_bff.sqlite_pool", "1", "4", "3"]


def test_database_pool_false_keeps_djangos_sqlite_backend_in_a_gevent_worker(tmp_path):
    out = run_patched(
        """
        from django.conf import settings

        print(settings.DATABASES["default"]["ENGINE"], "pool" in settings.DATABASES["default"]["OPTIONS"])
        """,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DATABASE_POOL="false",
    )
    assert out.split() == ["django.db.backends.sqlite3", "False"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg runs against PostgreSQL (CI's database)")
@pytest.mark.django_db
def test_psycopg_lets_other_greenlets_run_while_it_waits_on_postgresql():
    database = settings.DATABASES["default"]
    dsn = (
        f"host={database['HOST'] or 'localhost'} port={database['PORT'] or 5432} dbname={database['NAME']} "
        f"user={database['USER']} password={database['PASSWORD']}"
    )
    out = run_patched(
        f"""
        import gevent
        import psycopg
        from psycopg import waiting

        holder = psycopg.connect({dsn!r}, autocommit=True)
        waiter = psycopg.connect({dsn!r}, autocommit=True)
        holder.execute("SELECT pg_advisory_lock(1414)")
        order = []

        def wait_for_lock():
            # Blocks in PostgreSQL until `release` runs; a non-cooperative wait would block the whole process.
            waiter.execute("SELECT pg_advisory_lock(1414)")
            order.append("acquired")

        def release():
            order.append("released")
            holder.execute("SELECT pg_advisory_unlock(1414)")

        blocked = gevent.spawn(wait_for_lock)
        gevent.sleep(0.2)
        gevent.spawn(release).join()
        blocked.join(timeout=10)
        print(waiting.wait is not getattr(waiting, "wait_c", None), *order)
        """
    )
    assert out.split() == ["True", "released", "acquired"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pool is PostgreSQL's (CI's database)")
@pytest.mark.django_db
def test_a_gevent_worker_reuses_pooled_postgresql_connections_across_requests():
    database = settings.DATABASES["default"]
    test_database_url = (  # the database this test run created
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or 'localhost'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    out = run_patched(
        """
        import gevent
        from django.db import connection

        def request():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            connection.close()  # what the end of a request does with CONN_MAX_AGE=0: back to the pool
            return pid

        connection.pool.open(wait=True)  # its first connections made, so that no request has to wait for one
        pids = {gevent.spawn(request).get() for _ in range(6)}  # each request in a greenlet of its own
        print(bool(connection.settings_dict["OPTIONS"].get("pool")), len(pids) <= 2)
        """,
        DATABASE_URL=test_database_url,
    )
    assert out.split() == ["True", "True"]
