"""The signed-in user and customer for a bearer token, without a database round trip on every request.

Every app screen authenticates, and loading the user with its customer through the ORM was about a quarter
of the BFF's time per request (bench/screens.py). Each process keeps a small snapshot of the rows it has
loaded; a snapshot is used only while the user's *auth version* in the shared cache (Redis in production)
is the one it was loaded under. Any save or delete of the user or its customer (forget-me, a profile change,
a password change, deactivation) replaces that version, so every process reloads on its very next request:
forgetting and deactivation take effect at once, everywhere.

Why it is correct across processes and racing writes:
- A reader reads the version *before* it reads the rows, and tags the snapshot with it.
- A writer replaces the version when it saves (inside its transaction) and again once the transaction
  commits. A reader that read the old rows did so under a version that the post-commit replacement makes
  stale; a reader that saw the post-commit version reads the committed rows.
- Versions are random, never counters: a version lost to cache eviction or a restart is re-created with a
  new value, which matches no snapshot (a reload, never a stale hit).

Limits, by design: `QuerySet.update()` sends no signal; code that changes users or customers that way must
call `auth_version_bump()`. With a process-local cache (the default LocMemCache, development only) several
processes cannot see each other's versions, so a snapshot is also never older than
AUTH_SNAPSHOT_MAX_AGE seconds (settings): that bounds how long another process of a `make run` may still
accept a forgotten customer's access token.
"""

import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, router, transaction

from .models import Customer

# Snapshots kept per process; beyond this the oldest go (a reload is one query).
MAX_SNAPSHOTS = 10_000
_VERSION_KEY = "auth:v1:{user_id}"
# A version outlives any snapshot by far; if it is evicted sooner, the next request simply reloads.
_VERSION_TTL = 24 * 3600


@dataclass(frozen=True)
class _Snapshot:
    version: str
    loaded_at: float
    db: str
    user_values: tuple
    customer_values: tuple | None


_snapshots: dict[str, _Snapshot] = {}
_lock = threading.Lock()


def _key(user_id) -> str:
    return _VERSION_KEY.format(user_id=user_id)


def auth_version_key(user_id) -> str:
    """The shared-cache key of the user's auth version, for a caller that reads it with something else in one
    round trip (apps/accounts/authentication.py) and passes it to `user_with_customer_get`."""
    return _key(user_id)


def _current_version(user_id, version: str | None = None) -> str:
    key = _key(user_id)
    if version is None:
        version = cache.get(key)
    if version is None:
        fresh = uuid.uuid4().hex
        # add(): of two processes creating it at once, both end up with the one that won.
        version = fresh if cache.add(key, fresh, _VERSION_TTL) else cache.get(key, fresh)
    return version


def auth_version_bump(*, user_id) -> None:
    """Make every process's snapshot of this user stale (call after changing rows without model save())."""
    cache.set(_key(user_id), uuid.uuid4().hex, _VERSION_TTL)


def _fields(model) -> list:
    return model._meta.concrete_fields


def _build(snapshot: _Snapshot):
    """Fresh model instances per request: a request may change and save them, others must not see that."""
    user_model = get_user_model()
    user = user_model.from_db(snapshot.db, [f.attname for f in _fields(user_model)], snapshot.user_values)
    customer = None
    if snapshot.customer_values is not None:
        customer = Customer.from_db(snapshot.db, [f.attname for f in _fields(Customer)], snapshot.customer_values)
        Customer.user.field.set_cached_value(customer, user)
    # A user without a customer (staff) then raises Customer.DoesNotExist on `user.customer`, with no query.
    user_model.customer.related.set_cached_value(user, customer)
    return user


def _load(user_id, version: str) -> _Snapshot | None:
    user_model = get_user_model()
    user = user_model.objects.select_related("customer").filter(pk=user_id).first()
    if user is None:
        return None
    try:
        customer = user.customer
    except Customer.DoesNotExist:
        customer = None
    return _Snapshot(
        version=version,
        loaded_at=time.monotonic(),
        db=user._state.db or router.db_for_read(user_model) or DEFAULT_DB_ALIAS,
        user_values=tuple(getattr(user, f.attname) for f in _fields(user_model)),
        customer_values=None if customer is None else tuple(getattr(customer, f.attname) for f in _fields(Customer)),
    )


def user_with_customer_get(*, user_id, version: str | None = None):
    """The user (with `user.customer` loaded, when there is one) as the database has it now, or None.

    One shared-cache read per call (none when the caller has just read the version, `version`); the database
    only when this process has no current snapshot."""
    key = str(user_id)
    version = _current_version(key, version if isinstance(version, str) else None)
    snapshot = _snapshots.get(key)
    if (
        snapshot is None
        or snapshot.version != version
        or time.monotonic() - snapshot.loaded_at > settings.AUTH_SNAPSHOT_MAX_AGE
    ):
        snapshot = _load(key, version)
        if snapshot is None:
            return None
        with _lock:
            if len(_snapshots) >= MAX_SNAPSHOTS:
                _snapshots.pop(next(iter(_snapshots)), None)
            _snapshots[key] = snapshot
    return _build(snapshot)


def snapshots_clear() -> None:
    """Forget this process's snapshots (tests)."""
    with _lock:
        _snapshots.clear()


def _changed(user_id, using: str) -> None:
    auth_version_bump(user_id=user_id)
    # Again after commit: a request that read the rows before it is then made to read them again.
    transaction.on_commit(lambda: auth_version_bump(user_id=user_id), using=using)


def on_user_changed(sender, instance, using, **kwargs) -> None:
    if instance.pk is not None:
        _changed(instance.pk, using)


def on_customer_changed(sender, instance, using, **kwargs) -> None:
    if instance.user_id is not None:
        _changed(instance.user_id, using)
