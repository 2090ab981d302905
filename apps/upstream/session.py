"""Pooled `requests` sessions and the retry loop shared by the vendor clients.

A vendor call does not go through `requests.Session.request`: `send` prepares the request and hands it to the
session's transport adapter itself (`_send_once`). Session.request merges session settings, cookies, hooks
and (with trust_env) the environment into every call, then runs the redirect machinery; none of it applies
to a vendor API call, and together it was about a fifth of the BFF's CPU per SessionM call (cProfile on
process CPU time, calls to the sandbox as its own server). What is left is requests' own request preparation
(URL, params, JSON body) and its adapters: the pooled PoolAdapter and apps.upstream.inprocess.InProcessAdapter.

PoolAdapter keeps requests' HTTPAdapter.send (its timeouts and error mapping, and what the tests' `responses`
mocks patch) and overrides the per-call hooks it calls where their work cannot apply to a vendor call
(bench/profile_screens.py and bench/upstream_exchange.py; each named below):
- URL preparation (`_prepared_url`): the clients build their URLs from configured base URLs and quoted path
  segments, so a plain http(s) URL in canonical form needs none of requests' parsing, IDNA encoding and
  re-quoting; anything else still goes through requests' own preparation, unchanged.
- The pool lookup (`get_connection_with_tls_context`): memoized per scheme, host and port and TLS settings
  (verify, cert) instead of parsed out of the URL on every call; the CA bundle and client certificate files
  are checked once per pool (`cert_verify`). With a proxy for the call, requests' own selection runs as before.
- The request line (`request_url`): the path, unless a proxy is in play (then requests' own answer).
- The response (`build_response`): no cookie is ever kept between vendor calls (the session serves every
  customer), so no Set-Cookie is parsed into a jar; the body is read at once instead of through
  Response.content's chunked generator, and a stall in mid-body is the vendor's timeout (requests would have
  called it a connection error).
Measured A/B in one process against the previous adapter (alternating rounds, as bench/upstream_exchange.py does
against requests' stock one), these hooks and a header parser that bypassed http.client's email parser took a
SessionM get_user call's CPU in the client from about 0.48 ms to 0.39 ms. The header parser (about 24 us of that)
was then removed: it needed a copy of http.client's HTTPResponse.begin, which would miss the standard library's
fixes. Calling urllib3's pools directly would save only HTTPAdapter.send's own few lines more (about 3% of the
call's profile), and the tests' `responses` mocks patch HTTPAdapter.send.
"""

import logging
import os
import re
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, get_environ_proxies
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError
from urllib3.exceptions import SSLError as urllib3_SSLError

from apps.core.backoff import FULL_JITTER
from apps.core.backoff import backoff_delay as core_backoff_delay

from .budget import budget_remaining
from .errors import UpstreamTimeout, UpstreamUnavailable
from .inprocess import InProcessAdapter
from .metrics import upstream_call_observe

logger = logging.getLogger(__name__)

# Statuses worth another try when the call is safe to repeat.
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


def build_session(
    *, pool_maxsize: int = 32, inprocess_base: str | None = None, inprocess_app: str | None = None
) -> requests.Session:
    """A session with a connection pool per host and no hidden retries (retries are decided per call).

    `inprocess_base`/`inprocess_app`: URLs under that base are served by the WSGI app at that import path,
    in this process (the embedded sandbox).
    """
    session = requests.Session()
    adapter = PoolAdapter(pool_connections=8, pool_maxsize=pool_maxsize, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    if inprocess_base and inprocess_app:
        session.mount(inprocess_base + "/", InProcessAdapter(inprocess_app))
    session.headers.update({"Accept": "application/json", "User-Agent": "fancy-fries-loyalty-bff/1.0"})
    # requests re-reads proxy and CA-bundle variables from the environment on every call, a measurable share
    # of each upstream call (bench/screens.py). Read the CA bundle once here; keep the per-call reading only
    # for proxies (their no_proxy rules are applied per URL, in _send_once). A .netrc is never read: every
    # vendor call carries its own Authorization header, which a .netrc entry would have replaced.
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle:
        session.verify = ca_bundle
    session.trust_env = bool(urllib.request.getproxies())
    return session


class PoolAdapter(HTTPAdapter):
    """requests' pooled adapter with its per-call bookkeeping trimmed (see the module's docstring). Its `send` is
    requests' own, so whatever patches HTTPAdapter.send (the tests' `responses` mocks) patches this one too; what
    is overridden are the hooks `send` calls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # (origin, verify, cert) -> the urllib3 pool for it, its TLS settings already checked (cert_verify).
        self._pools: dict[tuple[str, Any, Any], HTTPConnectionPool] = {}
        self._checked: dict[HTTPConnectionPool, tuple[Any, Any]] = {}
        super().__init__(*args, **kwargs)

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: Any,
        proxies: Mapping[str, str] | None = None,
        cert: Any = None,
    ) -> HTTPConnectionPool:
        """The pool for the request's scheme, host and port with these TLS settings, memoized: requests works it out
        on every call (parsing the URL, building the pool key, looking it up) for the same two or three hosts."""
        origin = _origin(request.url or "")
        if proxies or origin is None or not _hashable(verify, cert):
            # A proxy may apply (requests' selection and proxy managers), or an unusual URL: requests' own way.
            return super().get_connection_with_tls_context(request, verify, proxies=dict(proxies or {}), cert=cert)
        key = (origin, verify, cert)
        pool = self._pools.get(key)
        # A closed pool (its queue gone) is asked for again, as requests would have.
        if pool is None or pool.pool is None:
            # Bounded like the pool manager's own store of pools (pool_connections).
            if len(self._pools) >= self._pool_connections:
                self._pools.clear()
            pool = super().get_connection_with_tls_context(request, verify, proxies=None, cert=cert)
            self._pools[key] = pool
        return pool

    def close(self) -> None:
        """requests' close (the pool manager forgets its pools), and so does the memo: the next call gets new ones."""
        self._pools.clear()
        self._checked.clear()
        super().close()

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        """requests' check of the CA bundle and client certificate files (two to four file-system calls on every
        https call), done once per pool and settings: they configure the pool's new connections only."""
        if self._checked.get(conn) == (verify, cert):
            return
        super().cert_verify(conn, url, verify, cert)
        if _hashable(verify, cert):
            if len(self._checked) >= self._pool_connections:
                self._checked.clear()
            self._checked[conn] = (verify, cert)

    def request_url(self, request: requests.PreparedRequest, proxies: Mapping[str, str] | None) -> str:
        """Without a proxy the request line carries the path (requests' own answer, less its proxy selection)."""
        if proxies:
            return super().request_url(request, dict(proxies))
        return request.path_url

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        """requests' response, less the cookie jar (see the module's docstring), with the body read here at once.

        requests would read it later, through Response.content's chunked generator; reading it in one go is
        cheaper, gives the connection back to the pool at once, and keeps a stall in mid-body inside this call.
        Such a stall is reported as requests.ReadTimeout (requests' generator calls it a ConnectionError): the
        upstream did answer, then stopped within the read timeout, which is the vendor's timeout error (504).
        """
        response = requests.Response()
        response.status_code = getattr(resp, "status", None)  # type: ignore[assignment]
        response.headers = _response_headers(getattr(resp, "headers", {}))
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url or ""
        response.request = req
        response.connection = self
        response._content = _read_body(req, resp)
        response._content_consumed = True
        return response


def _origin(url: str) -> str | None:
    """`scheme://authority` of an absolute http(s) URL, or None for anything else."""
    if not url.startswith(("http://", "https://")):
        return None
    end = url.find("/", url.index("//") + 2)
    return url if end == -1 else url[:end]


def _hashable(*values: Any) -> bool:
    try:
        hash(values)
    except TypeError:
        return False
    return True


def _response_headers(headers: Any) -> CaseInsensitiveDict[str]:
    """CaseInsensitiveDict(headers) as requests builds it (repeated fields joined by ", "), from urllib3's merged
    view when there is one: requests' copy goes through the mapping protocol, joining each field's values again."""
    itermerged = getattr(headers, "itermerged", None)
    if itermerged is None:
        return CaseInsensitiveDict(headers)
    result: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for name, value in itermerged():
        result[name] = value
    return result


def _read_body(req: requests.PreparedRequest, resp: Any) -> bytes:
    """The whole (decoded) body of a urllib3 response, its failures mapped as requests maps them when streaming,
    except a read timeout: that is requests.ReadTimeout (see PoolAdapter.build_response)."""
    try:
        return resp.read(decode_content=True) or b""
    except ReadTimeoutError as exc:
        raise requests.ReadTimeout(exc, request=req) from exc
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc, request=req) from exc
    except DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc, request=req) from exc
    except urllib3_SSLError as exc:
        raise requests.exceptions.SSLError(exc, request=req) from exc


def backoff_delay(attempt: int, *, base: float = 0.2, cap: float = 2.0) -> float:
    """The wait before retry `attempt` of an upstream call: full jitter (apps/core/backoff.py), because many
    requests retrying one shared vendor together must not all come back at once. Up to 0.2 s, doubling, 2 s at most."""
    return core_backoff_delay(attempt, base=base, cap=cap, jitter=FULL_JITTER)


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    label: str,
    unavailable: type[UpstreamUnavailable],
    timed_out: type[UpstreamTimeout],
    timeout: tuple[float, float],
    retries: int,
    safe_to_retry: bool,
    sleep: Callable[[float], None] = time.sleep,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    """Send one request; retry transport failures and 5xx only when `safe_to_retry`.

    `label` names the call in logs and errors (e.g. "sessionm user_get"); URLs are never logged because
    SessionM puts its API key in the path. `params` (None values left out), `json` or `data`, and `headers`
    (over the session's) are sent as requests would send them. No cookie is kept between calls (the session
    is shared by every customer's requests) and no redirect is followed: neither vendor redirects API calls,
    and following one would turn a POST into a GET, or send SessionM's API key (in the path) elsewhere.

    Returns the final response (any status: the vendor client reads its envelope). Raises the vendor's
    Unavailable / Timeout error (chained) when no response could be had.
    """
    attempts = 1 + (retries if safe_to_retry else 0)
    for attempt in range(1, attempts + 1):
        # Within a request's budget (apps/upstream/budget.py) a try gets at most what is left of it, and there
        # is no next try unless the pause before it and a useful try still fit.
        left = budget_remaining()
        if left is not None and left < _MIN_TRY_SECONDS:
            raise timed_out(f"{label}: the request's upstream time budget is spent")
        try_timeout = timeout if left is None else (min(timeout[0], left), min(timeout[1], left))
        delay = backoff_delay(attempt)
        last = attempt == attempts
        started = time.monotonic()
        try:
            response = _send_once(
                session, method, url, timeout=try_timeout, params=params, json=json, data=data, headers=headers
            )
        except requests.Timeout as exc:
            upstream_call_observe(label, time.monotonic() - started, error="timeout")
            if last or not _time_for_another(delay):
                raise timed_out(f"{label} timed out after {try_timeout[1]:.1f}s") from exc
        except requests.RequestException as exc:
            upstream_call_observe(label, time.monotonic() - started, error="connection")
            if last or not _time_for_another(delay):
                raise unavailable(f"{label} failed: {exc.__class__.__name__}") from exc
        else:
            upstream_call_observe(label, time.monotonic() - started, status=response.status_code)
            if response.status_code not in RETRYABLE_STATUSES or last or not _time_for_another(delay):
                return response
        logger.warning("retrying %s (attempt %s of %s)", label, attempt + 1, attempts)
        sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _send_once(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: tuple[float, float],
    params: Mapping[str, Any] | None,
    json: Any,
    data: bytes | None,
    headers: Mapping[str, str] | None,
) -> requests.Response:
    """One HTTP exchange through the session's adapter for `url` (see the module's docstring)."""
    prepared = requests.PreparedRequest()
    fast_url = _prepared_url(url, params)
    if fast_url is None:
        prepared.prepare(
            method=method,
            url=url,
            headers={**session.headers, **(headers or {})},
            params=params,
            json=json,
            data=data,
        )
    else:
        # What PreparedRequest.prepare does, minus the URL work (done above), auth from the URL (there is
        # none in a canonical one) and the cookie jar (never used): method, headers, body and default hooks.
        prepared.method = method.upper()
        prepared.url = fast_url
        prepared.headers = CaseInsensitiveDict({**session.headers, **(headers or {})})
        prepared.prepare_body(data, None, json)
        prepared.prepare_hooks(None)
    url = prepared.url or url
    proxies = get_environ_proxies(url) if session.trust_env else session.proxies
    adapter = session.get_adapter(url)
    response = adapter.send(prepared, timeout=timeout, verify=session.verify, cert=session.cert, proxies=proxies)
    # Both of the session's adapters have read the body already (PoolAdapter.build_response, InProcessAdapter);
    # any other one mounted (a test's) may hand back an unread body: read it now, inside the timeouts and the
    # error handling of this try, so the connection goes back to the pool.
    _ = response.content
    return response


# An absolute http(s) URL that requests' preparation would leave exactly as it is: a lower-case host name or
# IPv4 address, an optional port, and a path of characters it does not re-quote, with no query, fragment or
# user info. Its percent escapes must be upper-case and of reserved characters: requests upper-cases the others,
# and decodes an escaped unreserved one.
_CANONICAL_URL = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*")
_ESCAPE = re.compile(r"%(.{0,2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _canonical_escapes(url: str) -> bool:
    for escaped in _ESCAPE.findall(url):
        try:
            if len(escaped) != 2 or escaped != escaped.upper() or chr(int(escaped, 16)) in _UNRESERVED:
                return False
        except ValueError:
            return False
    return True


def _prepared_url(url: str, params: Mapping[str, Any] | None) -> str | None:
    """`url` with `params` encoded as requests encodes them (None values left out, a list repeats its key), or
    None when the URL is not canonical (requests then prepares it: its checks and errors stay the same)."""
    if not _CANONICAL_URL.fullmatch(url) or ("%" in url and not _canonical_escapes(url)):
        return None
    if not params:
        return url
    pairs: list[tuple[str, Any]] = []
    for key, values in params.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            values = [values]
        pairs.extend((key, value) for value in values if value is not None)
    query = urlencode(pairs)
    return f"{url}?{query}" if query else url


# A try with less time than this could not get an answer anyway.
_MIN_TRY_SECONDS = 0.05


def _time_for_another(delay: float) -> bool:
    left = budget_remaining()
    return left is None or left >= delay + _MIN_TRY_SECONDS
