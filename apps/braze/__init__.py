"""Braze, the messaging platform: the client the BFF sends triggered messages and user updates with.

from apps.braze import get_braze_client
get_braze_client().trigger(target=settings.BRAZE_MESSAGES["welcome"], recipients=[Recipient(...)])
"""

import functools

from django.conf import settings

from apps.upstream.factory import upstream_session

from .client import BrazeClient

__all__ = ["BrazeClient", "get_braze_client"]


@functools.cache
def get_braze_client() -> BrazeClient:
    """The process-wide client, built from settings once (call `get_braze_client.cache_clear()` after
    changing them, e.g. in tests)."""
    return BrazeClient(
        rest_url=settings.BRAZE_REST_URL,
        api_key=settings.BRAZE_API_KEY,
        timeout=settings.BRAZE_TIMEOUT,
        session=upstream_session(),
    )
