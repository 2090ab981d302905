"""The retry and error-mapping policy both vendor clients share."""

import pytest
import requests
import responses

from apps.upstream.errors import UpstreamTimeout, UpstreamUnavailable
from apps.upstream.session import _prepared_url, backoff_delay, build_session, send

URL = "https://api-ff.ent-sessionm.com/priv/v1/apps/SECRETKEY/users/u1"


class Unavailable(UpstreamUnavailable):
    pass


class TimedOut(UpstreamTimeout):
    pass


def call(safe_to_retry=True, retries=2, sleeps=None):
    return send(
        build_session(),
        "GET",
        URL,
        label="sessionm user_get",
        unavailable=Unavailable,
        timed_out=TimedOut,
        timeout=(1.0, 2.0),
        retries=retries,
        safe_to_retry=safe_to_retry,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
    )


@responses.activate
def test_a_safe_call_is_retried_after_5xx_then_succeeds():
    responses.get(URL, status=503)
    responses.get(URL, json={"status": "ok"}, status=200)
    sleeps = []
    response = call(sleeps=sleeps)
    assert response.status_code == 200
    assert len(responses.calls) == 2
    assert len(sleeps) == 1


@responses.activate
def test_an_unsafe_call_is_sent_once_and_its_5xx_returned():
    responses.get(URL, status=500)
    response = call(safe_to_retry=False)
    assert response.status_code == 500
    assert len(responses.calls) == 1


@responses.activate
def test_retries_are_capped_and_the_last_5xx_returned():
    responses.get(URL, status=502)
    response = call(retries=2)
    assert response.status_code == 502
    assert len(responses.calls) == 3


@responses.activate
def test_4xx_is_never_retried():
    responses.get(URL, status=404, json={})
    assert call().status_code == 404
    assert len(responses.calls) == 1


@responses.activate
def test_timeout_maps_to_the_vendor_timeout_error_named_by_route_not_url():
    responses.get(URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(TimedOut) as caught:
        call(retries=1)
    assert "sessionm user_get" in str(caught.value)
    assert "SECRETKEY" not in str(caught.value)
    assert isinstance(caught.value.__cause__, requests.ReadTimeout)
    assert len(responses.calls) == 2


@responses.activate
def test_connection_error_maps_to_unavailable():
    responses.get(URL, body=requests.ConnectionError("refused"))
    with pytest.raises(Unavailable) as caught:
        call(safe_to_retry=False)
    assert "SECRETKEY" not in str(caught.value)


@responses.activate
def test_the_timeout_is_passed_on_every_attempt():
    responses.get(URL, status=500)
    responses.get(URL, status=200, json={})
    call()
    assert all(c.request.req_kwargs["timeout"] == (1.0, 2.0) for c in responses.calls)


def test_backoff_is_jittered_and_capped():
    for attempt in range(1, 12):
        delay = backoff_delay(attempt, base=0.2, cap=2.0)
        assert 0 <= delay <= min(2.0, 0.2 * 2 ** (attempt - 1))


def test_the_environment_is_read_per_call_only_when_it_configures_requests(monkeypatch):
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "NETRC",
    ):
        monkeypatch.delenv(name, raising=False)
    assert build_session().trust_env is False

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/company.pem")
    session = build_session()
    assert session.trust_env is False
    assert session.verify == "/etc/ssl/certs/company.pem"

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    assert build_session().trust_env is True


def _send(session, method="GET", **kwargs):
    return send(
        session,
        method,
        URL,
        label="sessionm user_get",
        unavailable=Unavailable,
        timed_out=TimedOut,
        timeout=(1.0, 2.0),
        retries=0,
        safe_to_retry=True,
        **kwargs,
    )


@responses.activate
def test_a_call_carries_the_sessions_headers_its_own_params_and_body():
    responses.post(URL, json={"status": "ok"})

    _send(build_session(), "POST", params={"expand": "true", "skip": None}, json={"a": 1}, headers={"X-Test": "1"})

    sent = responses.calls[0].request
    assert sent.url == URL + "?expand=true"  # a None param is left out, as requests does
    assert sent.body == b'{"a": 1}' and sent.headers["Content-Type"] == "application/json"
    assert sent.headers["X-Test"] == "1"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["User-Agent"].startswith("fancy-fries-loyalty-bff/")


@responses.activate
def test_no_cookie_is_kept_from_one_call_to_the_next():
    # The session is shared by every customer's requests: nothing one answer sets may travel with another call.
    responses.get(URL, json={}, headers={"Set-Cookie": "session=customer-a; Path=/"})
    session = build_session()

    _send(session)
    _send(session)

    assert "Cookie" not in responses.calls[1].request.headers
    assert not session.cookies


@responses.activate
def test_a_redirect_is_returned_not_followed():
    responses.post(URL, status=302, headers={"Location": "https://elsewhere.example/steal"})
    responses.get("https://elsewhere.example/steal", json={})

    response = _send(build_session(), "POST", json={})

    assert response.status_code == 302
    assert len(responses.calls) == 1


def test_a_proxy_from_the_environment_is_used(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    seen = {}

    class Recording(requests.adapters.HTTPAdapter):
        def send(self, request, **kwargs):
            seen.update(kwargs["proxies"])
            raise requests.ConnectionError("no network in tests")

    session = build_session()
    session.mount("https://", Recording())

    with pytest.raises(Unavailable):
        _send(session)

    assert seen["https"] == "http://proxy.internal:3128"


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (URL, None),
        (URL, {"expand": "true", "skip": None, "take": 20, "flag": True}),
        (URL, {"culture": "pt-BR", "q": "a b&c=d/é~", "ids": ["1", None, "2"]}),
        ("http://127.0.0.1:9100/sessionm/core/priv/v1/apps/k%2Fey/users/u%20%C3%A91", {"x": "1"}),
        ("http://127.0.0.1:9100/a/b-c_d.e~f!$&'()*+,;=:@", {}),
    ],
)
def test_a_canonical_url_is_sent_exactly_as_requests_would_prepare_it(url, params):
    expected = requests.PreparedRequest()
    expected.prepare(method="GET", url=url, params=params)
    assert _prepared_url(url, params) == expected.url


@pytest.mark.parametrize(
    "url",
    [
        "https://API-ff.ent-sessionm.com/priv/v1/users/u1",  # requests lower-cases the host
        "https://api-ff.ent-sessionm.com/priv/v1/users/u 1",  # requests quotes the space
        "https://api-ff.ent-sessionm.com/priv/v1/users/u1?a=1",  # a query of its own
        "https://api-ff.ent-sessionm.com/users/100%",  # a bare % is quoted
        "https://api-ff.ent-sessionm.com/users/u%7E1",  # an escaped unreserved character is decoded
        "https://api-ff.ent-sessionm.com/users/u%c3%a9",  # lower-case escapes are upper-cased
        "https://user:secret@api-ff.ent-sessionm.com/users/u1",  # user info
        "https://xn--bcher-kva.example/users/é",
        "api-ff.ent-sessionm.com/users/u1",  # no scheme: requests' own error
    ],
)
def test_any_other_url_is_left_to_requests(url):
    assert _prepared_url(url, {"a": "1"}) is None
