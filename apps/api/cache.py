"""The cache `make run` uses when CACHE_URL is unset: Django's database cache, shared by every process.

Throttle counters, login lock-outs, the Braze pause and the delivery schedule must be one count for the whole
deployment. The local-memory cache gave each gunicorn worker its own (14 wrong passwords a minute got through a
10/min limit with two workers). Production sets CACHE_URL to Redis, whose ADD and INCR are atomic.

Why the database cache and not Django's file cache: measured on the `make run` defaults (SQLite in WAL mode on
ext4), one throttle hit (`add` + `incr` + a `get`) took 1.2-1.4 ms in the database cache and 2.0-2.8 ms in the file
cache, whose every write is a rename over the old file that ext4 flushes. The database cache's `add` is already
atomic across processes (an INSERT on its primary key); its `incr` is a read and a write, made atomic here by
taking the row's lock first (BEGIN IMMEDIATE on SQLite, SELECT ... FOR UPDATE on PostgreSQL). Its table is
created by the migration apps/api/migrations/0002_cache_table.py, so `migrate` is all a deployment runs.
"""

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, router, transaction


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
