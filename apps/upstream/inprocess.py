"""A `requests` transport adapter that hands requests to a WSGI callable in this process.

It is how the embedded sandbox is reached by default: the vendor clients send real HTTP requests (same
URLs, headers, bodies and timeouts), but no socket is opened. A response slower than the read timeout is
reported as `requests.ReadTimeout`, as a real socket would.
"""

import sys
import time
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import requests
from django.utils.module_loading import import_string
from requests import PreparedRequest
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

# The read timeout is passed to the app so an emulated hang lasts just as long as the caller would wait.
READ_TIMEOUT_ENVIRON_KEY = "upstream.read_timeout"

# PEP 3333: the WSGI callable and the start_response it is given.
StartResponse = Callable[..., object]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class InProcessAdapter(BaseAdapter):
    def __init__(self, app_path: str) -> None:
        super().__init__()
        self._app_path = app_path
        self._app: WSGIApp | None = None

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        app = self._app
        if app is None:
            app = self._app = import_string(self._app_path)
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        url = urlsplit(request.url)
        # The clients send JSON or form bodies, which requests prepares as bytes or str (never a stream).
        body = cast(bytes | str, request.body or b"")
        if isinstance(body, str):
            body = body.encode("utf-8")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(url.path),
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "localhost",
            "SERVER_PORT": str(url.port or 80),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
            READ_TIMEOUT_ENVIRON_KEY: read_timeout,
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ[f"HTTP_{key}"] = value

        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
            captured["status"] = status
            captured["headers"] = headers

        started = time.monotonic()
        chunks = app(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        if read_timeout is not None and time.monotonic() - started > read_timeout:
            raise requests.ReadTimeout(f"in-process upstream did not answer within {read_timeout}s", request=request)

        response = requests.Response()
        code, _, reason = captured["status"].partition(" ")
        response.status_code = int(code)
        response.reason = reason
        response.headers = CaseInsensitiveDict(captured["headers"])
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response.url = cast(str, request.url)  # a prepared request always has its URL
        response.request = request
        return response

    def close(self) -> None:
        pass
