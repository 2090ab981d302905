import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_touches_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database_and_configuration(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["sessionm"] == "ok"
    assert body["checks"]["braze"] == "ok"
    assert body["checks"]["mode"] == "sandbox"


@pytest.mark.django_db
def test_readyz_reports_a_missing_upstream(client, settings):
    settings.BRAZE_API_KEY = ""
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["braze"] == "not configured"


def test_unknown_path_under_the_api_is_a_json_404_in_the_real_urlconf(client):
    response = client.get("/api/v1/no-such-screen")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
