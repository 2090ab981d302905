"""Machine paths (app API, integrations, probes) skip the browser's middleware; pages keep all of it."""

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_the_api_skips_sessions_language_negotiation_and_page_headers(client):
    client.cookies["sessionid"] = "whatever"
    response = client.get(reverse("api:me"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 401
    assert "Content-Language" not in response
    assert "Cookie" not in response.get("Vary", "")
    assert "X-Request-ID" in response  # the API's own middleware still runs
    assert response.wsgi_request.LANGUAGE_CODE == "en"
    assert not hasattr(response.wsgi_request, "session")
    # A browser enforces these only on a document it renders: pages carry them (tests/test_deploy_checks.py).
    assert "Content-Security-Policy" not in response
    assert "Permissions-Policy" not in response
    assert response["X-Frame-Options"] == "DENY"  # one header, kept everywhere
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/integrations/braze/wallet/someone", "/healthz"])
def test_partner_and_probe_paths_skip_the_page_policies_too(client, path):
    response = client.get(path)
    assert "Content-Security-Policy" not in response
    assert "Permissions-Policy" not in response
    assert not hasattr(response.wsgi_request, "session")


def test_the_api_speaks_english_even_after_a_page_in_another_language_in_the_same_thread(client):
    translation.activate("fr")  # what a French page leaves behind in a server thread
    try:
        response = client.get(reverse("api:me"))
        assert response.json()["error"]["message"] == "Authentication credentials were not provided."
    finally:
        translation.deactivate()


def test_pages_keep_the_full_stack(client):
    response = client.get(reverse("web:login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "fr"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert hasattr(response.wsgi_request, "session")
