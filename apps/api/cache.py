"""The shared cache's backends: Django's database cache (`make run`'s default) and Django's Redis cache
(production), each with what the throttles need: `window_hit`, one rate-limit hit in one round trip.

Throttle counters, login lock-outs, the Braze pause and the delivery schedule must be one count for the whole
deployment. The local-memory cache gave each gunicorn worker its own (14 wrong passwords a minute got through a
10/min limit with two workers). Production sets CACHE_URL to Redis, whose ADD and INCR are atomic.

Why the database cache and not Django's file cache: measured on the `make run` defaults (SQLite in WAL mode on
ext4), one throttle hit (`add` + `incr` + a `get`) took 1.2-1.4 ms in the database cache and 2.0-2.8 ms in the file
cache, whose every write is a rename over the old file that ext4 flushes. The database cache's `add` is already
atomic across processes (an INSERT on its primary key); its `incr` is a read and a write, made atomic here by
taking the row's lock first (BEGIN IMMEDIATE on SQLite, SELECT ... FOR UPDATE on PostgreSQL). Its table is
created by the migration apps/api/migrations/0002_cache_table.py, so `migrate` is all a deployment runs.

`window_hit(key, previous_key, timeout)` counts one hit on `key` (created at 0 with `timeout` if absent or
expired) and returns `(count after the hit, previous_key's count or 0)`. Every app request makes one
(apps/api/ratelimit.py), and Django's generic `add` + `incr` + `get` were four Redis round trips or about ten
SQL statements: here it is one Redis round trip (a Lua script), or two SQL statements in one transaction.
`window_hit_get` (Redis only) reads one more key in that same round trip: an app request's authentication reads
the customer's auth version with its throttle hit (apps/api/throttles.py, `customer_hit_prefetch`).
"""

import base64
import os
import pickle
import threading
from datetime import timedelta
from typing import Any, cast

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(DjangoDatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self.cache_model_class._meta.db_table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608 - our table name
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version)

    def window_hit(self, key, previous_key, timeout: int) -> tuple[int, int]:
        key = self.make_and_validate_key(key)
        previous_key = self.make_and_validate_key(previous_key)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        adapt = connection.ops.adapt_datetimefield_value
        table = connection.ops.quote_name(self._table)  # type: ignore[attr-defined]  # Django's, not in the stubs
        now = tz_now().replace(microsecond=0)
        expires = adapt(now + timedelta(seconds=timeout))
        zero = self._encode(0)
        with transaction.atomic(using=db), connection.cursor() as cursor:
            # Creates the counter at 0, or (the no-op update) takes the existing row's lock until commit, so
            # that concurrent hits queue here (PostgreSQL row lock; SQLite's write lock) and none is lost. It
            # returns the counter (NULL when expired) and the previous window's count in the same statement.
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) "  # noqa: S608 - our table
                "ON CONFLICT (cache_key) DO UPDATE SET cache_key = excluded.cache_key "
                "RETURNING CASE WHEN expires > %s THEN value END, "
                f"(SELECT value FROM {table} WHERE cache_key = %s AND expires > %s)",
                [key, zero, expires, adapt(now), previous_key, adapt(now)],
            )
            value, previous = cursor.fetchone()
            current = 1 if value is None else self._decode(value) + 1
            if value is None:  # expired: a fresh count, with a fresh expiry
                cursor.execute(
                    f"UPDATE {table} SET value = %s, expires = %s WHERE cache_key = %s",  # noqa: S608 - our table
                    [self._encode(current), expires, key],
                )
            else:
                cursor.execute(
                    f"UPDATE {table} SET value = %s WHERE cache_key = %s",  # noqa: S608 - our table
                    [self._encode(current), key],
                )
            if value == zero:
                # A new row (a counter never stays at 0): what Django's set() does before every write, done here
                # once per counter and window, so the table stays within MAX_ENTRIES.
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - our table
                count = cursor.fetchone()[0]
                if count > self._max_entries:
                    self._cull(db, cursor, now, count)  # type: ignore[attr-defined]  # Django's, not in the stubs
        return current, 0 if previous is None else self._decode(previous)

    def _encode(self, value) -> str:
        # Django's own encoding of the value column (DatabaseCache._base_set), so get() reads these counters.
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    @staticmethod
    def _decode(value: str):
        return pickle.loads(base64.b64decode(value.encode()))  # noqa: S301 - our own cache table


class RedisCacheClient(DjangoRedisCacheClient):
    """Django's Redis client, with its connection pools, its `redis.Redis` clients and its scripts kept per
    process rather than per client object.

    - Django's client builds a new `redis.Redis` for every operation, and redis-py's constructor fills a table of
      ~170 response callbacks each time: about a third of the BFF's CPU per app request went there
      (bench/profile_screens.py). A `redis.Redis` over a connection pool is safe to share between threads and
      greenlets (each command borrows a pooled connection), so one is kept per pool.
    - Django keeps a cache backend, so a client and its pools, per thread *and per context*. In a gevent worker
      every client connection is served by a greenlet of its own, so each one built its own pool and opened a new
      Redis connection (TCP, HELLO/CLIENT SETINFO): about 1.9 ms of CPU per request that arrived on a new
      connection (bench/profile_screens.py --gevent). Pools are therefore shared by the whole process, keyed by
      the process id too, so a forked worker never uses its parent's sockets.
    """

    def _get_connection_pool(self, write):
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]  # Django's, not in the stubs
        server = self._servers[index]  # type: ignore[attr-defined]
        options = self._pool_options  # type: ignore[attr-defined]
        key = (os.getpid(), self._pool_class, server, repr(sorted(options.items())))  # type: ignore[attr-defined]
        pool = _POOLS.get(key)
        if pool is None:
            with _SHARED_LOCK:
                pool = _POOLS.get(key)
                if pool is None:
                    pool = _POOLS[key] = self._pool_class.from_url(server, **options)  # type: ignore[attr-defined]
        return pool

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = _CLIENTS.get(pool)
        if client is None:
            with _SHARED_LOCK:
                client = _CLIENTS.get(pool)
                if client is None:
                    client = _CLIENTS[pool] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client

    def window_hit(self, key, previous_key, timeout: int) -> tuple[int, int]:
        current, previous, _ = self.window_hit_get(key, previous_key, timeout, None)
        return current, previous

    def window_hit_get(self, key, previous_key, timeout: int, get_key) -> tuple[int, int, object]:
        client = self.get_client(key, write=True)
        script = _SCRIPTS.get(client)
        if script is None:
            script = _SCRIPTS.setdefault(client, client.register_script(_WINDOW_HIT))
        keys = [key, previous_key] if get_key is None else [key, previous_key, get_key]
        # redis-py sends EVALSHA, and loads the script once more if a restarted Redis has forgotten it.
        current, previous, *got = script(keys=keys, args=[timeout])
        loads = self._serializer.loads  # type: ignore[attr-defined]
        value = got[0] if got else None
        return current, 0 if previous is None else loads(previous), None if value is None else loads(value)


# The process's pools, clients and registered scripts (RedisCacheClient says why they are not per object).
_SHARED_LOCK = threading.Lock()
_POOLS: dict[tuple, Any] = {}
_CLIENTS: dict[Any, Any] = {}
_SCRIPTS: dict[Any, Any] = {}

# One hit, atomically (a script runs alone): nothing runs between SET NX and INCR, so INCR never creates a key
# without an expiry (a key that expired in between would otherwise count forever). Measured per hit, in this
# process's CPU: about 45 us as a script, 80 us as a MULTI/EXEC pipeline of the same three commands.
# A third key, when given, is read in the same round trip (`window_hit_get`).
_WINDOW_HIT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local out = {redis.call('INCR', KEYS[1]), redis.call('GET', KEYS[2])}
if KEYS[3] then out[3] = redis.call('GET', KEYS[3]) end
return out
"""


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def window_hit(self, key, previous_key, timeout: int) -> tuple[int, int]:
        return cast(RedisCacheClient, self._cache).window_hit(
            self.make_and_validate_key(key), self.make_and_validate_key(previous_key), timeout
        )

    def window_hit_get(self, key, previous_key, timeout: int, get_key) -> tuple[int, int, object]:
        """window_hit, and get(get_key) (None when absent) in the same round trip."""
        return cast(RedisCacheClient, self._cache).window_hit_get(
            self.make_and_validate_key(key),
            self.make_and_validate_key(previous_key),
            timeout,
            self.make_and_validate_key(get_key),
        )
