"""Every JSON error has one shape, {"error": {"code", "message", "details"}}, and a request id."""

import pytest

pytestmark = pytest.mark.urls("tests.api.error_views")


def assert_envelope(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    assert response["X-Request-ID"]
    return body["error"]


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("unavailable", 503, "loyalty_unavailable"),
        ("timeout", 504, "loyalty_timeout"),
        ("bad", 502, "loyalty_bad_gateway"),
        ("conflict", 409, "insufficient_points"),
    ],
)
def test_domain_and_upstream_errors(client, kind, status, code):
    error = assert_envelope(client.get(f"/api/v1/raise/{kind}"), status, code)
    if kind == "conflict":
        assert error["details"] == {"missing_points": 320}
    else:
        # Upstream internals (route names, exception text) stay in our logs, not in the response.
        assert "sessionm" not in error["message"].lower()


def test_unavailable_says_when_to_retry(client):
    assert client.get("/api/v1/raise/unavailable")["Retry-After"] == "5"


def test_validation_errors_carry_field_details(client):
    error = assert_envelope(
        client.post("/api/v1/raise/x", {"quantity": 0}, content_type="application/json"), 400, "invalid"
    )
    assert "quantity" in error["details"]


def test_malformed_json(client):
    assert_envelope(client.post("/api/v1/raise/x", "{nope", content_type="application/json"), 400, "malformed_request")


def test_unsupported_media_type(client):
    assert_envelope(
        client.post("/api/v1/raise/x", "quantity=1", content_type="text/plain"), 415, "unsupported_media_type"
    )


def test_not_authenticated(client):
    error = assert_envelope(client.get("/api/v1/private"), 401, "not_authenticated")
    assert error["message"]


def test_bad_token(client):
    assert_envelope(client.get("/api/v1/private", HTTP_AUTHORIZATION="Bearer not-a-jwt"), 401, "authentication_failed")


def test_method_not_allowed(client):
    assert_envelope(client.delete("/api/v1/raise/x"), 405, "method_not_allowed")


def test_unexpected_exception_is_a_500_envelope_not_a_traceback(client):
    client.raise_request_exception = False
    error = assert_envelope(client.get("/api/v1/raise/crash"), 500, "internal_error")
    assert "boom" not in error["message"]


def test_unknown_api_path_is_a_json_404(client):
    assert_envelope(client.get("/api/v1/does-not-exist"), 404, "not_found")


def test_request_id_is_echoed_when_sane_and_replaced_when_not(client):
    assert client.get("/api/v1/private", HTTP_X_REQUEST_ID="abc12345-trace")["X-Request-ID"] == "abc12345-trace"
    replaced = client.get("/api/v1/private", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32
