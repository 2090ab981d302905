"""Production's cache: Redis through CACHE_URL, as the settings configure it (apps.api.cache.RedisCache, Django's
RedisCache with one shared client and a one-round-trip throttle hit) and the pinned `redis` client. A real
redis-server (Debian's) on a free loopback port; skipped where it is not installed."""

import shutil
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.core.cache import caches
from django.urls import reverse

from apps.api.ratelimit import Rate, rate_limit_hit
from tests.processes import redis_server

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_cache(settings, redis_url):
    import environ

    config = environ.Env().cache_url_config(redis_url)
    # What loyalty_bff/settings.py does with a redis:// CACHE_URL (tests/test_settings.py checks it does).
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    settings.CACHES = {"default": {**config, "BACKEND": "apps.api.cache.RedisCache"}}
    caches["default"].clear()
    yield caches["default"]


def test_rate_limits_count_in_redis(redis_cache):
    rate = Rate(limit=3, period=60)
    waits = [rate_limit_hit(scope="login", ident="203.0.113.1", rate=rate) for _ in range(5)]
    assert waits[:3] == [None, None, None]
    assert all(wait and wait > 0 for wait in waits[3:])


@pytest.mark.django_db
def test_login_works_and_is_throttled_with_redis(redis_cache, client):
    statuses = [
        client.post(
            reverse("api:token"),
            {"email": f"x{n}@example.com", "password": "nope-nope-1"},
            content_type="application/json",
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


@pytest.mark.django_db
def test_readyz_does_the_cache_round_trip_through_redis(redis_cache, client):
    assert client.get(reverse("readyz")).json()["checks"]["cache"] == "ok"


def test_a_throttle_hit_is_one_round_trip_and_its_counter_always_expires(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache.window_hit("hits:2", "hits:1", 121) == (1, 0)  # loads the script into Redis
    with mock.patch.object(type(client), "execute_command", wraps=client.execute_command) as commands:
        assert redis_cache.window_hit("hits:2", "hits:1", 121) == (2, 0)
    assert [call.args[0] for call in commands.call_args_list] == ["EVALSHA"]
    assert 0 < client.ttl(redis_cache.make_and_validate_key("hits:2")) <= 121
    assert redis_cache.get("hits:2") == 2  # the rate limit's peek reads what a hit counts
    redis_cache.set("hits:1", 7)
    assert redis_cache.window_hit("hits:2", "hits:1", 121) == (3, 7)


def test_a_throttle_hit_survives_a_redis_that_forgot_its_script(redis_cache):
    redis_cache.window_hit("hits:5", "hits:4", 121)
    redis_cache._cache.get_client(write=True).script_flush()  # what a restarted Redis knows
    assert redis_cache.window_hit("hits:5", "hits:4", 121) == (2, 0)


def test_a_throttle_hit_restarts_a_counter_that_has_expired(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    key = redis_cache.make_and_validate_key("hits:9")
    redis_cache.window_hit("hits:9", "hits:8", 121)
    client.delete(key)  # what expiry does
    assert redis_cache.window_hit("hits:9", "hits:8", 121) == (1, 0)
    assert client.ttl(key) > 0


def test_hits_from_many_threads_are_each_counted_once(redis_cache):
    with ThreadPoolExecutor(8) as pool:
        counts = sorted(pool.map(lambda _: redis_cache.window_hit("busy", "idle", 121)[0], range(200)))
    assert counts == list(range(1, 201))


def test_one_redis_client_serves_every_operation(redis_cache):
    # Django's own client builds a redis.Redis (and its ~170 response callbacks) for every operation.
    assert redis_cache._cache.get_client() is redis_cache._cache.get_client(write=True)


def test_every_thread_and_greenlet_shares_the_processs_redis_pool(redis_cache, settings):
    # Django builds a cache backend per thread and per context (a gevent worker serves each client connection in
    # a greenlet of its own): they must share one pool of connections, not each open their own.
    def backend_in_a_new_thread():
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(lambda: caches["default"]).result()

    redis_cache.set("warm", 1)
    pool = redis_cache._cache.get_client(write=True).connection_pool
    opened = pool._created_connections
    first, second = backend_in_a_new_thread(), backend_in_a_new_thread()
    assert first is not second and first is not redis_cache  # Django's doing
    first.set("shared", 1)
    second.window_hit("hits:9", "hits:8", 60)
    assert second._cache.get_client(write=True) is first._cache.get_client(write=True)
    assert first._cache.get_client(write=True).connection_pool is pool
    assert pool._created_connections == opened  # the idle connection was reused, twice


def test_a_forked_process_opens_its_own_redis_pool(redis_cache, monkeypatch):
    client = redis_cache._cache.get_client(write=True)
    monkeypatch.setattr("apps.api.cache.os.getpid", lambda: -1)  # what a forked worker sees
    assert redis_cache._cache.get_client(write=True) is not client
    assert redis_cache.get("nothing-here") is None  # and it works


def test_a_throttle_hit_reads_one_more_key_in_the_same_round_trip(redis_cache):
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache.window_hit_get("hits:12", "hits:11", 121, "other") == (1, 0, None)  # loads the script
    redis_cache.set("other", "a-version")
    with mock.patch.object(type(client), "execute_command", wraps=client.execute_command) as commands:
        assert redis_cache.window_hit_get("hits:12", "hits:11", 121, "other") == (2, 0, "a-version")
    assert [call.args[0] for call in commands.call_args_list] == ["EVALSHA"]
    assert redis_cache.window_hit("hits:12", "hits:11", 121) == (3, 0)


@pytest.mark.django_db
def test_an_app_request_reads_its_auth_version_with_its_throttle_hit(redis_cache, rates):
    from rest_framework.test import APIClient

    from apps.accounts import auth_cache
    from tests.accounts.helpers import as_customer, signup

    rates(customer="3/min")
    amanda = signup(APIClient())
    app = as_customer(amanda.access)
    assert app.get(reverse("api:me")).status_code == 200  # this process now has amanda's snapshot
    client = redis_cache._cache.get_client(write=True)
    with mock.patch.object(type(client), "execute_command", wraps=client.execute_command) as commands:
        assert app.get(reverse("api:me")).status_code == 200
    assert [call.args[0] for call in commands.call_args_list] == ["EVALSHA"]
    # Counted once per request: the third is the limit's last, the fourth is throttled.
    assert app.get(reverse("api:me")).status_code == 200
    assert app.get(reverse("api:me")).status_code == 429
    # Still immediate: deactivating the user replaces the version the next request reads with its hit.
    rates(customer="100/min")
    auth_cache.snapshots_clear()
    assert app.get(reverse("api:me")).status_code == 200
    amanda.customer.user.is_active = False
    amanda.customer.user.save()
    assert app.get(reverse("api:me")).status_code == 401
