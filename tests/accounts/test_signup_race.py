"""Signup is one account per email under any concurrency: of 8 simultaneous signups with one email and 8
passwords, exactly one gets 201 and tokens, the others 409, and only the winner's password logs in.

On PostgreSQL (CI) the callers are threads of this process. SQLite's in-memory test database cannot take
concurrent writers at all, so there the callers race against a real gunicorn server (2 workers x 4 threads, as
`make run` starts it) on a SQLite file, which is what `make run` uses.
"""

import threading

import pytest
import requests
from django.db import connection, connections
from django.urls import reverse
from rest_framework.test import APIClient

from tests.processes import free_port, gunicorn, migrated_env, serving

from .helpers import signup_body

pytestmark = pytest.mark.django_db(transaction=True)

CALLERS = 8
ROUNDS = 6


@pytest.fixture(autouse=True)
def _no_signup_throttle(settings):
    settings.UPSTREAM_REQUEST_BUDGET = 60
    rest = settings.REST_FRAMEWORK
    settings.REST_FRAMEWORK = {
        **rest,
        "DEFAULT_THROTTLE_RATES": {**rest["DEFAULT_THROTTLE_RATES"], "signup": "1000/min", "login": "1000/min"},
    }


@pytest.fixture(scope="module")
def _server(tmp_path_factory, django_db_blocker):
    """A real server on a SQLite file, started only when the test database is SQLite."""
    with django_db_blocker.unblock():
        vendor = connection.vendor
    if vendor == "postgresql":
        yield None
        return
    env = migrated_env(
        tmp_path_factory.mktemp("signup-race"),
        THROTTLE_SIGNUP_RATE="1000/min",
        THROTTLE_LOGIN_RATE="1000/min",
        # The race is about one account, not about time: on a loaded machine a signup must not hit its budget.
        UPSTREAM_REQUEST_BUDGET_SECONDS="60",
        SESSIONM_READ_TIMEOUT="60",
    )
    port = free_port()
    with serving(gunicorn(port, workers=2, threads=4), port, env):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def send(_server):
    """send(path, body, access=None) -> (status, json): in this process on PostgreSQL, over HTTP on SQLite."""
    if _server is None:

        def in_process(path, body, access=None):
            client = APIClient()
            if access:
                client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
            try:
                response = client.get(path) if body is None else client.post(path, body, format="json")
                return response.status_code, response.json()
            finally:
                connections.close_all()

        return in_process

    def over_http(path, body, access=None):
        headers = {"Authorization": f"Bearer {access}"} if access else {}
        if body is None:
            response = requests.get(_server + path, headers=headers, timeout=60)
        else:
            response = requests.post(_server + path, json=body, headers=headers, timeout=60)
        return response.status_code, response.json()

    return over_http


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_eight_simultaneous_signups_of_one_email_make_one_account(send, round_):
    email = f"race.{round_}@example.com"
    start = threading.Barrier(CALLERS, timeout=30)
    results = [None] * CALLERS

    def call(n: int) -> None:
        body = signup_body(email=email, password=f"Crispy-Golden-{n:02d}x")
        start.wait()
        results[n] = (body["password"], *send(reverse("api:signup"), body))

    threads = [threading.Thread(target=call, args=(n,)) for n in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(status for _password, status, _body in results)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) <= {201, 409}, statuses
    losers = {body["error"]["code"] for _p, status, body in results if status == 409}
    assert losers <= {"signup_in_progress", "email_taken"}
    assert all("access" not in body for _p, status, body in results if status != 201)

    winner_password, _status, winner = next(result for result in results if result[1] == 201)
    logins = {
        password: send(reverse("api:token"), {"email": email, "password": password})[0]
        for password, _status, _body in results
    }
    assert logins.pop(winner_password) == 200
    assert set(logins.values()) == {401}
    assert send(reverse("api:me"), None, access=winner["access"])[0] == 200
