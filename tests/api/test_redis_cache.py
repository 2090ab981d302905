"""Production's cache: Redis through CACHE_URL, with Django's own RedisCache and the pinned `redis` client. A real
redis-server (Debian's) on a free loopback port; skipped where it is not installed."""

import shutil

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

    settings.CACHES = {"default": environ.Env().cache_url_config(redis_url)}
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
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
