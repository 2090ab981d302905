"""Every screen answers 503 when SessionM is down, 504 when it is too slow and 502 when its answer is
unusable, in the error envelope, never a 500, and never echoing SessionM's internals."""

import pytest
import requests

from apps.sessionm.routes import ROUTES

from .conftest import FAKE_USER_ID, url

pytestmark = pytest.mark.django_db

# (method, url name, kwargs, body): each screen, its first SessionM call failing.
SCREENS = [
    ("get", "campaigns", {}, None),
    ("post", "campaign-opt-in", {"campaign_id": "c-1"}, None),
    ("get", "wallet", {}, None),
    ("post", "offer-redeem", {"user_offer_id": "uo-1"}, None),
    ("get", "rewards-store", {}, None),
    ("post", "reward-purchase", {"offer_id": "rso-1"}, None),
    ("get", "points", {}, None),
    ("get", "points-history", {}, None),
    ("get", "activity", {}, None),
    ("post", "promo-codes", {}, {"code": "TUESDAY20"}),
    ("post", "events", {}, {"event": "survey_completed"}),
]

FAILURES = [
    ({"status": 503, "json": {"status": "error"}}, 503, "loyalty_unavailable"),
    ({"status": 429, "json": {"status": "error"}}, 503, "loyalty_unavailable"),
    ({"body": requests.ConnectionError("refused")}, 503, "loyalty_unavailable"),
    ({"body": requests.ReadTimeout("slow")}, 504, "loyalty_timeout"),
    ({"status": 200, "body": "<html>maintenance</html>"}, 502, "loyalty_bad_gateway"),
    ({"status": 401, "json": {"status": "error", "errors": {"code": "invalid_api_key"}}}, 502, "loyalty_bad_gateway"),
    ({"status": 404, "json": {"status": "error", "errors": {"code": "user_not_found"}}}, 502, "loyalty_bad_gateway"),
]


def fail_every_route(sessionm, settings, answer):
    params = {
        "user_id": FAKE_USER_ID,
        "external_id": "ext-1",
        "campaign_id": "c-1",
        "view": settings.SESSIONM_TIMELINE_VIEW,
    }
    for name, route in ROUTES.items():
        path_params = {key: value for key, value in params.items() if "{" + key + "}" in route.path}
        sessionm.mock.add(route.method, sessionm.route_url(name, **path_params), **answer)


@pytest.mark.parametrize(("method", "name", "kwargs", "body"), SCREENS, ids=[screen[1] for screen in SCREENS])
@pytest.mark.parametrize(("answer", "status", "code"), FAILURES, ids=[str(f[1]) + "-" + f[2] for f in FAILURES])
def test_sessionm_failures(sessionm, offline_api, settings, method, name, kwargs, body, answer, status, code):
    fail_every_route(sessionm, settings, answer)

    response = getattr(offline_api, method)(url(name, **kwargs), body, format="json")

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert "sessionm" not in error["message"].lower()
    assert settings.SESSIONM_API_KEY not in response.content.decode()
    if status == 503:
        assert response["Retry-After"]
