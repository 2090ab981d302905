"""The BFF's pooled HTTP exchange (apps/upstream/session.py PoolAdapter) against a real loopback server: the body
read at once, timeouts, pools and proxies."""

import gzip
import socket
import threading
from contextlib import contextmanager

import pytest
import requests

from apps.upstream.errors import UpstreamTimeout, UpstreamUnavailable
from apps.upstream.session import PoolAdapter, build_session, send


class Unavailable(UpstreamUnavailable):
    pass


class TimedOut(UpstreamTimeout):
    pass


# --- a real exchange ---------------------------------------------------------------------------------------


class Upstream:
    """A loopback HTTP/1.1 server answering each request on a kept-alive connection with the next canned answer
    (raw bytes, or a callable given the socket); records request heads and the connections they came on."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.heads: list[bytes] = []
        self.connections = 0
        self.release = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def _accept(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn):
        with conn, conn.makefile("rb") as reader:
            while self.answers:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = reader.readline()
                    if not line:
                        return
                    head += line
                self.heads.append(head)
                answer = self.answers.pop(0)
                if callable(answer):
                    answer(conn, self)
                else:
                    conn.sendall(answer)

    def close(self):
        self.release.set()
        self._listener.close()


@contextmanager
def upstream(*answers):
    server = Upstream(answers)
    try:
        yield server
    finally:
        server.close()


def ok(body=b'{"status":"ok"}', extra=b""):
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body),
        extra,
        body,
    )


def call(session, url, *, timeout=(2.0, 2.0)):
    return send(
        session,
        "GET",
        url,
        label="sessionm user_get",
        unavailable=Unavailable,
        timed_out=TimedOut,
        timeout=timeout,
        retries=0,
        safe_to_retry=True,
    )


def test_two_calls_share_one_kept_alive_connection_and_read_their_bodies():
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
    chunked += b"5\r\n[1, 2\r\n2\r\n, \r\n2\r\n3]\r\n0\r\n\r\n"
    with upstream(ok(extra=b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"), chunked) as server:
        session = build_session()
        first = call(session, f"{server.url}/users/u1")
        second = call(session, f"{server.url}/users/u2")

    assert first.json() == {"status": "ok"}
    assert first.headers["set-cookie"] == "a=1, b=2"  # repeated fields joined, as requests does
    assert first.headers["Content-Type"] == "application/json"
    assert second.json() == [1, 2, 3]
    assert server.connections == 1
    assert server.heads[0].startswith(b"GET /users/u1 HTTP/1.1\r\n")


def test_a_compressed_body_is_decoded_and_a_closing_answer_closes_its_connection():
    body = gzip.compress(b'{"status":"ok"}')
    with upstream(ok(body, extra=b"Content-Encoding: gzip\r\nConnection: close\r\n"), ok()) as server:
        session = build_session()
        first = call(session, f"{server.url}/users/u1")
        second = call(session, f"{server.url}/users/u2")

    assert first.json() == second.json() == {"status": "ok"}
    assert server.heads[0].lower().count(b"accept-encoding: gzip") == 1
    assert server.connections == 2  # the first answer said it would close: the second call opened another


def test_the_connection_goes_back_to_the_pool_once_the_call_returns():
    with upstream(ok()) as server:
        session = build_session()
        response = call(session, f"{server.url}/users/u1")
        pool = _pool(session.get_adapter(server.url), server.url, verify=session.verify)

    assert response.content == b'{"status":"ok"}'
    assert pool.num_connections == 1 and pool.pool.qsize() == pool.pool.maxsize  # nothing checked out


def _stall_before_the_answer(conn, server):
    server.release.wait(10)


def _stall_in_mid_body(conn, server):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
    server.release.wait(10)


@pytest.mark.parametrize("stall", [_stall_before_the_answer, _stall_in_mid_body])
def test_a_stall_before_the_answer_or_in_mid_body_is_the_vendors_timeout(stall):
    with upstream(stall) as server, pytest.raises(TimedOut) as caught:
        call(build_session(), f"{server.url}/users/u1", timeout=(2.0, 0.2))
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)


def test_a_body_cut_short_is_unavailable():
    def cut(conn, server):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        conn.shutdown(socket.SHUT_RDWR)

    with upstream(cut) as server, pytest.raises(Unavailable) as caught:
        call(build_session(), f"{server.url}/users/u1")
    assert isinstance(caught.value.__cause__, requests.exceptions.ChunkedEncodingError)


def test_a_proxy_from_the_environment_is_still_used(monkeypatch):
    # The proxy is the loopback server: it is sent the absolute URL, as a forward proxy must be.
    with upstream(ok()) as proxy:
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        response = call(build_session(), "http://sessionm.invalid/priv/v1/users/u1")

    assert response.json() == {"status": "ok"}
    assert proxy.heads[0].startswith(b"GET http://sessionm.invalid/priv/v1/users/u1 HTTP/1.1\r\n")


# --- the memoized pools ------------------------------------------------------------------------------------


def _pool(adapter, url, verify=True, cert=None):
    request = requests.Request("GET", url).prepare()
    return adapter.get_connection_with_tls_context(request, verify, proxies={}, cert=cert)


def test_one_pool_per_scheme_host_and_port():
    adapter = PoolAdapter()
    pool = _pool(adapter, "http://127.0.0.1:9100/a")

    assert _pool(adapter, "http://127.0.0.1:9100/b?x=1") is pool
    others = [
        _pool(adapter, "http://127.0.0.1:9101/a"),
        _pool(adapter, "http://localhost:9100/a"),
        _pool(adapter, "https://127.0.0.1:9100/a"),
    ]
    assert len({id(p) for p in [pool, *others]}) == 4
    assert [(p.scheme, p.host, p.port) for p in others] == [
        ("http", "127.0.0.1", 9101),
        ("http", "localhost", 9100),
        ("https", "127.0.0.1", 9100),
    ]


def test_tls_settings_pick_their_own_pool():
    adapter = PoolAdapter()
    url = "https://api-ff.ent-sessionm.com/priv/v1/users/u1"
    verified = _pool(adapter, url)
    unverified = _pool(adapter, url, verify=False)
    bundle = _pool(adapter, url, verify="/etc/ssl/certs/company.pem")
    client = _pool(adapter, url, cert=("/etc/bff/client.pem", "/etc/bff/client.key"))

    assert len({id(verified), id(unverified), id(bundle), id(client)}) == 4
    assert unverified.conn_kw.get("cert_reqs") == "CERT_NONE" or unverified.cert_reqs == "CERT_NONE"
    assert bundle.ca_certs == "/etc/ssl/certs/company.pem"
    assert (client.cert_file, client.key_file) == ("/etc/bff/client.pem", "/etc/bff/client.key")
    assert _pool(adapter, url, verify=False) is unverified


def test_a_closed_pool_is_replaced():
    adapter = PoolAdapter()
    pool = _pool(adapter, "http://127.0.0.1:9100/a")
    adapter.close()

    fresh = _pool(adapter, "http://127.0.0.1:9100/a")

    assert fresh is not pool and fresh.pool is not None


def test_a_missing_ca_bundle_still_fails_the_call():
    adapter = PoolAdapter()
    request = requests.Request("GET", "https://127.0.0.1:9/a").prepare()
    with pytest.raises(OSError, match="invalid path"):
        adapter.send(request, timeout=(0.5, 0.5), verify="/nonexistent/ca.pem")
