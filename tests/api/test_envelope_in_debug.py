"""DEBUG (the `make run` default) does not change the shape of errors on the JSON paths: no technical 404 page
listing every URL pattern, no HTML traceback."""

import pytest
from django.test import Client

from .test_envelope import assert_envelope


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/nope", "/integrations/nope", "/api/v1/wallet/x/y"])
def test_unknown_json_paths_are_the_envelope_in_debug(client, debug, path):
    response = client.get(path)
    error = assert_envelope(response, 404, "not_found")
    assert "urlpatterns" not in response.content.decode() and "api/v1/" not in error["message"]


@pytest.mark.django_db
def test_a_wrong_method_is_a_405_envelope_with_allow(client, debug):
    response = client.delete("/api/v1/auth/token")
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


@pytest.mark.urls("tests.api.error_views")
def test_a_crash_is_the_500_envelope_in_debug(debug):
    response = Client(raise_request_exception=False).get("/api/v1/raise/crash")
    error = assert_envelope(response, 500, "internal_error")
    assert "boom" not in error["message"] and "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_web_pages_keep_djangos_debug_404(client, debug):
    # Outside the JSON paths DEBUG's page is still there for the developer.
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
