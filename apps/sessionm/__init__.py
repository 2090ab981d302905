"""The SessionM client (Core, Connect, Cloud POS) the whole product shares: `get_sessionm_client()`."""

from functools import cache

from django.conf import settings

from apps.upstream.factory import upstream_session

from .client import SessionMClient

__all__ = ["SessionMClient", "build_sessionm_client", "get_sessionm_client"]


@cache
def get_sessionm_client() -> SessionMClient:
    """The process-wide client, built from settings on first use (its session pools connections, so it is
    shared, not rebuilt per request). Tests reset it with `get_sessionm_client.cache_clear()`."""
    # A pooled connection per call a process can have in flight (a screen fans out up to three): beyond the
    # pool, urllib3 opens and throws away a connection per call (gevent workers keep hundreds in flight).
    return build_sessionm_client(pool_maxsize=max(32, 3 * settings.WEB_IN_FLIGHT))


def build_sessionm_client(
    *, timeout: tuple[float, float] | None = None, retries: int | None = None, pool_maxsize: int = 32
) -> SessionMClient:
    """A client of the configured SessionM account. Callers with a tighter budget than a screen (Braze
    Connected Content) pass their own timeout and retries; everyone else shares get_sessionm_client()."""
    return SessionMClient(
        core_url=settings.SESSIONM_CORE_URL,
        connect_url=settings.SESSIONM_CONNECT_URL,
        pos_url=settings.SESSIONM_POS_URL,
        api_key=settings.SESSIONM_API_KEY,
        api_secret=settings.SESSIONM_API_SECRET,
        connect_key=settings.SESSIONM_CONNECT_KEY,
        connect_secret=settings.SESSIONM_CONNECT_SECRET,
        retailer_id=settings.SESSIONM_RETAILER_ID,
        pos_key=settings.SESSIONM_POS_KEY,
        pos_secret=settings.SESSIONM_POS_SECRET,
        pos_store_id=settings.SESSIONM_POS_STORE_ID,
        pos_client_id=settings.SESSIONM_POS_CLIENT_ID,
        external_id_type=settings.SESSIONM_EXTERNAL_ID_TYPE,
        timeout=timeout or settings.SESSIONM_TIMEOUT,
        retries=settings.SESSIONM_RETRIES if retries is None else retries,
        session=upstream_session(pool_maxsize=pool_maxsize),
    )
