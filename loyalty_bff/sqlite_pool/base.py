"""SQLite connections a gevent worker reuses from request to request, instead of opening one per request.

Django keeps a connection per thread, which under gevent's monkey patching means per greenlet, and gunicorn's
gevent worker serves each client connection in a greenlet of its own, which may end after any request: so a
database connection is closed when its request ends (CONN_MAX_AGE=0 there, settings._database), and with
Django's SQLite backend every request that queries would open a new one:
sqlite3.connect, Django's ~40 SQL functions registered on it, the PRAGMAs (foreign keys, WAL, synchronous),
SQLite reading the schema: about 0.45 ms of CPU on the BFF's database (bench/sqlite_pool.py), more in a worker.
Here the end of a request (Django's close()) hands its connection to a pool of the process, and the next
request's connect() takes it from there:

- taken: the most recently returned idle connection this process opened; else a new one is opened. A
  connection carried across fork() is never used in the child (gunicorn forks its workers; SQLite: "Do not
  open an SQLite database connection, then fork(), then try to use that database connection in the child
  process", https://www.sqlite.org/howtocorrupt.html, "Carrying an open database connection across a fork()").
- returned: rolled back first if a transaction is still open. Closed for real instead when the pool already
  holds its `max_size` idle connections, when a database error other than a constraint or data error was
  raised on it (the same errors after which Django checks a kept connection), or when the rollback fails.
- never an in-memory database: closing one destroys it, so Django's backend keeps those open anyway.

The pool bounds the idle connections, not the open ones: a request never waits for a connection (SQLite
serialises writers itself, with the busy timeout). Connection state other than the transaction carries over
from request to request, as it does with CONN_MAX_AGE in the other processes; Django's connect() resets
autocommit and its own bookkeeping for each request.
"""

import os
import threading
from sqlite3 import dbapi2 as Database

from django.db.backends.sqlite3 import base as sqlite3_base
from django.utils.asyncio import async_unsafe

# Connections found to belong to another process (opened before a fork): never used again, and not closed
# here either, since closing runs SQLite's close-time work (a WAL checkpoint) on another process's behalf.
# Kept referenced so that garbage collection does not close them; at most what the process held at the fork.
_forsaken: list[Database.Connection] = []


class ConnectionPool:
    """The idle connections to one database of one process, each with the id of the process that opened it."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self._idle: list[tuple[Database.Connection, int]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._idle)

    def take(self) -> Database.Connection | None:
        """An idle connection this process opened, or None."""
        pid = os.getpid()
        with self._lock:
            while self._idle:
                # Last in, first out: the warmest page cache, and the surplus idles at the bottom.
                connection, opened_by = self._idle.pop()
                if opened_by == pid:
                    return connection
                _forsaken.append(connection)
        return None

    def give(self, connection: Database.Connection, opened_by: int) -> bool:
        """Keep `connection` for a later take(); False when the pool is full (the caller closes it)."""
        with self._lock:
            if len(self._idle) >= self.max_size:
                return False
            self._idle.append((connection, opened_by))
            return True

    def close(self) -> None:
        """Close every idle connection (the pool stays usable)."""
        pid = os.getpid()
        with self._lock:
            idle, self._idle = self._idle, []
        for connection, opened_by in idle:
            if opened_by == pid:
                connection.close()
            else:
                _forsaken.append(connection)


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    """Django's SQLite backend; OPTIONS["pool"] = {"max_size": N} turns the pool on (settings._database)."""

    # One pool per alias and database file, shared by every thread's (greenlet's) wrapper in the process.
    _pools: dict[tuple[str, str], ConnectionPool] = {}
    _pools_lock = threading.Lock()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._opened_by = 0  # the process that opened (or took) the current connection
        self._discard = False  # the current connection must not go back to the pool

    # Django raises this flag on a database error (other than an IntegrityError or DataError) and lowers it
    # again once is_usable() says yes, which on SQLite is always: so the pool remembers, until the next connect,
    # that the connection had one.
    @property
    def errors_occurred(self) -> bool:
        return self._errors_occurred

    @errors_occurred.setter
    def errors_occurred(self, value: bool) -> None:
        self._errors_occurred = value
        if value:
            self._discard = True

    @property
    def pool(self) -> ConnectionPool | None:
        options = self.settings_dict["OPTIONS"].get("pool")
        if not options or self.is_in_memory_db():
            return None
        key = (self.alias, str(self.settings_dict["NAME"]))
        pool = self._pools.get(key)
        if pool is None:
            with self._pools_lock:
                pool = self._pools.setdefault(key, ConnectionPool(max_size=int(options["max_size"])))
        return pool

    def close_pool(self) -> None:
        """Close the idle connections of this database's pool and forget it (tests; settings changes)."""
        pool = self.pool
        if pool is not None:
            pool.close()
            with self._pools_lock:
                self._pools.pop((self.alias, str(self.settings_dict["NAME"])), None)

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("pool", None)  # ours, not sqlite3.connect's
        return params

    @async_unsafe
    def get_new_connection(self, conn_params):
        self._discard = False
        self._opened_by = os.getpid()
        pool = self.pool
        connection = pool.take() if pool is not None else None
        if connection is None:
            connection = super().get_new_connection(conn_params)
        return connection

    def _close(self):
        connection, pool = self.connection, self.pool
        if connection is None or pool is None:
            return super()._close()  # type: ignore[misc] # django-stubs leaves out BaseDatabaseWrapper._close
        # The pool owns it now. (Closed inside an atomic block, Django would otherwise keep the attribute set until
        # the block exits; nothing runs on it meanwhile: ensure_connection refuses a connection closed there.)
        self.connection = None
        if self._opened_by != os.getpid():
            _forsaken.append(connection)
            return None
        reusable = not self._discard
        if reusable and connection.in_transaction:
            try:
                connection.rollback()
            except Database.Error:
                reusable = False
        if not (reusable and pool.give(connection, self._opened_by)):
            with self.wrap_database_errors:
                connection.close()
        return None
