"""POST events: behaviours reported for SessionM's campaign rules."""

import pytest

from .conftest import url

pytestmark = pytest.mark.django_db


def test_a_known_event_is_recorded_and_rewarded(api):
    response = api.post(url("events"), {"event": "survey_completed"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {"event": "survey_completed", "recorded": True, "points_awarded": 50}
    assert api.get(url("points")).json()["available"] == 150


def test_a_replay_reports_once(api):
    headers = {"Idempotency-Key": "review-1"}
    first = api.post(url("events"), {"event": "app_review"}, format="json", headers=headers)

    again = api.post(url("events"), {"event": "app_review"}, format="json", headers=headers)

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert len([e for e in api.get(url("activity")).json()["results"] if e["kind"] == "event_reward"]) == 1


def test_an_unknown_event_is_a_422(api):
    response = api.post(url("events"), {"event": "moon_landing"}, format="json")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_event"


@pytest.mark.parametrize("body", [{}, {"event": ""}, {"event": "two words"}, {"event": "x" * 65}])
def test_a_malformed_event_is_a_400(api, body):
    response = api.post(url("events"), body, format="json")

    assert response.status_code == 400
    assert "event" in response.json()["error"]["details"]
