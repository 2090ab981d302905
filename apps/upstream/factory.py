"""Builds the shared upstream session from settings (the only Django-aware module of apps.upstream)."""

import requests
from django.conf import settings

from .session import build_session


def upstream_session(*, pool_maxsize: int = 32) -> requests.Session:
    """A pooled session; when the sandbox runs in-process, its URLs are served without a socket."""
    inprocess = settings.SANDBOX_ENABLED and settings.SANDBOX_URL == settings.SANDBOX_INPROCESS_URL
    return build_session(
        pool_maxsize=pool_maxsize,
        inprocess_base=settings.SANDBOX_INPROCESS_URL if inprocess else None,
        inprocess_app=settings.SANDBOX_WSGI_APP if inprocess else None,
    )
