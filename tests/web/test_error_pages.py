"""Pages that fail outside the API keep the wallet's look; API paths keep the JSON envelope."""

import pytest


@pytest.mark.django_db
def test_unknown_page_is_a_friendly_404_in_the_site_look(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"find that page" in response.content
    assert b"site.css" in response.content


@pytest.mark.django_db
def test_unknown_page_speaks_the_visitors_language(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    assert b"Nous ne trouvons pas cette page" in response.content


def test_the_500_page_renders_without_a_request():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
