"""One throttle for the whole deployment: two real server processes on the `make run` defaults (SQLite and the
database cache, no extra service) count the same login attempts; the admin's login is throttled too."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import pytest
import requests
from django.contrib.auth import get_user_model

from tests.processes import cache_hits_from_processes, free_port, gunicorn, migrated_env, serving


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    """Two gunicorn processes (one worker each) sharing one SQLite database and its cache table."""
    env = migrated_env(
        tmp_path_factory.mktemp("two-servers"),
        NUM_PROXIES="1",
        THROTTLE_LOGIN_RATE="10/min",
        THROTTLE_LOGIN_ACCOUNT_RATE="3/hour",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    bases = []
    with ExitStack() as servers:
        for _ in range(2):
            port = free_port()
            servers.enter_context(serving(gunicorn(port, workers=1, threads=4), port, env))
            bases.append(f"http://127.0.0.1:{port}")
        yield bases


def _login(base: str, email: str, address: str) -> int:
    response = requests.post(
        f"{base}/api/v1/auth/token",
        json={"email": email, "password": "Wrong-Password-9"},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )
    assert response.headers["Content-Type"].startswith("application/json")
    return response.status_code


def test_one_address_gets_10_attempts_a_minute_across_two_processes(two_servers):
    # 24 attempts at once, split over both processes, each with another account: only the address is limited.
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda n: _login(two_servers[n % 2], f"guess{n}@example.com", "203.0.113.1"), range(24))
        )
    assert statuses.count(401) == 10
    assert statuses.count(429) == 14


def test_one_account_is_locked_out_across_processes_and_addresses(two_servers):
    statuses = [_login(two_servers[n % 2], "victim@example.com", f"198.51.100.{n}") for n in range(6)]
    assert statuses == [401, 401, 401, 429, 429, 429]


def test_forwarded_for_is_trusted_only_as_far_as_num_proxies(two_servers):
    # NUM_PROXIES=1: the entry our proxy appended (the last) is the client; whatever the client wrote before it
    # is not, so varying it does not give more attempts.
    statuses = [_login(two_servers[n % 2], f"spoof{n}@example.com", f"10.0.0.{n}, 192.0.2.55") for n in range(12)]
    assert statuses.count(401) == 10


@pytest.mark.django_db
def test_the_admin_login_is_throttled_per_account(client, settings):
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **rest,
        "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "login": "100/min", "login_account": "3/hour"},
    }
    get_user_model().objects.create_superuser("boss", "boss@example.com", "Staff-Password-42")
    for n in range(3):
        response = client.post(
            "/admin/login/", {"username": "boss", "password": f"guess-{n}"}, REMOTE_ADDR=f"192.0.2.{n}"
        )
        assert response.status_code == 200  # the form again, with its error

    response = client.post(
        "/admin/login/", {"username": "boss", "password": "Staff-Password-42"}, REMOTE_ADDR="198.51.100.9"
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_login_is_throttled_per_address(client):
    statuses = [client.post("/admin/login/", {"username": f"user{n}", "password": "x"}).status_code for n in range(12)]
    assert statuses.count(200) == 10 and statuses[-1] == 429


@pytest.mark.django_db
def test_the_admin_login_still_logs_staff_in(client):
    get_user_model().objects.create_superuser("boss", "boss@example.com", "Staff-Password-42")
    response = client.post("/admin/login/?next=/admin/", {"username": "boss", "password": "Staff-Password-42"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_the_database_cache_counts_atomically(tmp_path):
    """Many threads of two processes incrementing one key lose no hit (the `make run` default cache)."""
    env = migrated_env(tmp_path)
    assert cache_hits_from_processes(env, setup="cache.add('hits', 0, 600)", hit="cache.incr('hits')") == "100"
