"""The emulated Braze, reached in process through the real Braze client (and raw requests for what the client
refuses to send)."""

import re

import pytest
from django.conf import settings

from apps.braze.client import BrazeClient
from apps.braze.types import Recipient
from apps.sandbox.braze.state import USER_KIND
from apps.sandbox.models import BrazeMessage, Document
from apps.upstream.factory import upstream_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return BrazeClient(
        rest_url=settings.BRAZE_REST_URL,
        api_key=settings.BRAZE_API_KEY,
        timeout=settings.BRAZE_TIMEOUT,
        session=upstream_session(),
    )


@pytest.fixture
def raw():
    session = upstream_session()

    def post(path, body):
        return session.post(
            settings.BRAZE_REST_URL + path,
            json=body,
            headers={"Authorization": f"Bearer {settings.BRAZE_API_KEY}"},
            timeout=(1, 5),
        )

    return post


def profile(external_id):
    return Document.objects.using("sandbox").get(kind=USER_KIND, key=external_id)


def messages():
    return list(BrazeMessage.objects.using("sandbox").order_by("id"))


def test_a_welcome_send_creates_the_profile_and_records_the_message(client):
    result = client.trigger(
        target={"type": "campaign", "id": "sandbox-welcome-campaign"},
        recipients=[
            Recipient(
                "user-amanda",
                trigger_properties={"email": "amanda@example.com", "points": 100},
                attributes={"email": "Amanda@Example.com", "first_name": "Amanda", "language": "pt"},
                send_to_existing_only=False,
            )
        ],
        properties={"campaign_id": "sandbox-welcome-campaign", "points": 0},
        send_id="welcome",
    )

    assert re.fullmatch(r"[0-9a-f]{32}", result.dispatch_id)
    assert result.errors == []
    (message,) = messages()
    assert message.dispatch_id == result.dispatch_id
    assert (message.target_type, message.target_id, message.recipient) == (
        "campaign",
        "sandbox-welcome-campaign",
        "user-amanda",
    )
    # Per-recipient properties override the call's, key by key.
    assert message.properties == {
        "campaign_id": "sandbox-welcome-campaign",
        "email": "amanda@example.com",
        "points": 100,
    }
    assert message.attributes == {"email": "Amanda@Example.com", "first_name": "Amanda", "language": "pt"}
    assert message.send_id == "welcome"
    created = profile("user-amanda")
    assert created.data["attributes"]["first_name"] == "Amanda"
    assert created.alt_key == "amanda@example.com"


def test_a_send_to_an_unknown_profile_with_send_to_existing_only_is_accepted_and_sends_nothing(client):
    result = client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("nobody")])

    assert result.dispatch_id
    assert messages() == []
    assert not Document.objects.using("sandbox").filter(kind=USER_KIND).exists()


def test_the_same_recipient_twice_in_one_call_gets_one_message(client):
    client.track_users(attributes=[{"external_id": "u1", "first_name": "Ana"}])

    client.trigger(
        target={"type": "campaign", "id": "c"},
        recipients=[Recipient("u1", trigger_properties={"n": 1}), Recipient("u1", trigger_properties={"n": 2})],
    )

    (message,) = messages()
    assert message.properties == {"n": 1}


def test_canvas_entry_properties_and_context_are_both_accepted(client, raw):
    client.track_users(attributes=[{"external_id": "u1"}, {"external_id": "u2"}])

    response = raw(
        "/canvas/trigger/send",
        {
            "canvas_id": "canvas-1",
            "context": {"a": 1, "b": 1},
            "recipients": [
                {"external_user_id": "u1", "canvas_entry_properties": {"b": 2}},
                {"external_user_id": "u2", "context": {"c": 3}},
            ],
        },
    )

    assert response.status_code == 201
    first, second = messages()
    assert (first.target_type, first.target_id) == ("canvas", "canvas-1")
    assert first.properties == {"a": 1, "b": 2}
    assert second.properties == {"a": 1, "b": 1, "c": 3}


def test_the_client_canvas_send_is_recorded(client):
    client.track_users(attributes=[{"external_id": "u1"}])

    client.trigger(
        target={"type": "canvas", "id": "canvas-2"},
        recipients=[Recipient("u1", trigger_properties={"x": 1})],
        properties={"y": 2},
    )

    (message,) = messages()
    assert message.properties == {"x": 1, "y": 2}


def test_a_recipient_named_by_email_reaches_the_profile_with_that_email(raw, client):
    client.track_users(attributes=[{"external_id": "u1", "email": "ana@example.com"}])

    response = raw("/campaigns/trigger/send", {"campaign_id": "c", "recipients": [{"email": "ANA@example.com"}]})

    assert response.status_code == 201
    assert [message.recipient for message in messages()] == ["u1"]


def test_broadcast_sends_to_every_profile(raw, client):
    client.track_users(attributes=[{"external_id": "u1"}, {"external_id": "u2"}])

    response = raw("/campaigns/trigger/send", {"campaign_id": "c", "broadcast": True, "trigger_properties": {"k": 1}})

    assert response.status_code == 201
    assert sorted(message.recipient for message in messages()) == ["u1", "u2"]


@pytest.mark.parametrize(
    "body, message",
    [
        (
            {"campaign_id": "c", "recipients": [{"external_user_id": f"u{i}"} for i in range(51)]},
            "at most 50 recipients",
        ),
        ({"campaign_id": "c", "recipients": [{"external_user_id": "u", "email": "u@example.com"}]}, "exactly one of"),
        ({"campaign_id": "c", "recipients": [{"send_to_existing_only": True}]}, "exactly one of"),
        ({"campaign_id": "c", "broadcast": True, "recipients": [{"external_user_id": "u"}]}, "broadcast"),
        ({"campaign_id": "c"}, "must specify recipients"),
        (
            {"campaign_id": "c", "recipients": [{"external_user_id": "u", "send_to_existing_only": False}]},
            "attributes are required",
        ),
        ({"campaign_id": "c", "recipients": []}, "must not be empty"),
        ({"recipients": [{"external_user_id": "u"}]}, "Invalid campaign_id"),
        (
            {"campaign_id": "c", "trigger_properties": {"x": "a" * 51_200}, "recipients": [{"external_user_id": "u"}]},
            "at most 50 KB",
        ),
        ({"campaign_id": "c", "trigger_properties": [1], "recipients": [{"external_user_id": "u"}]}, "an object"),
    ],
)
def test_trigger_sends_braze_refuses(raw, body, message):
    response = raw("/campaigns/trigger/send", body)

    assert response.status_code == 400
    assert message in response.json()["message"]
    assert messages() == []


def test_a_body_that_is_not_an_object_is_refused(raw):
    response = raw("/users/track", [1, 2])

    assert response.status_code == 400
    assert set(response.json()) == {"message"}


def test_users_track_creates_profiles_and_keeps_attributes_events_and_purchases(client):
    result = client.track_users(
        attributes=[{"external_id": "u1", "first_name": "Ana", "favourite_fries": "curly"}],
        events=[{"external_id": "u1", "name": "survey_completed", "time": "2026-11-01T10:00:00Z"}],
        purchases=[
            {
                "external_id": "u1",
                "product_id": "FF-CURLY",
                "currency": "USD",
                "price": 8.0,
                "time": "2026-11-01T10:00:00Z",
            }
        ],
    )

    assert (result.attributes_processed, result.events_processed, result.purchases_processed) == (1, 1, 1)
    assert result.errors == []
    data = profile("u1").data
    assert data["attributes"] == {"first_name": "Ana", "favourite_fries": "curly"}
    assert data["events"] == [{"name": "survey_completed", "time": "2026-11-01T10:00:00Z"}]
    assert data["purchases"][0]["product_id"] == "FF-CURLY"


def test_users_track_reports_bad_objects_as_non_fatal_errors(raw):
    response = raw(
        "/users/track",
        {
            "events": [
                {"external_id": "u1", "name": "app_review", "time": "2026-11-01T10:00:00Z"},
                {"external_id": "u1", "name": "app_review"},
            ]
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "success"
    assert body["events_processed"] == 1
    assert body["errors"] == [
        {"type": "Events must have a time in ISO-8601 format", "input_array": "events", "index": 1}
    ]


def test_update_existing_only_does_not_create_a_profile(raw):
    response = raw("/users/track", {"attributes": [{"external_id": "ghost", "_update_existing_only": True, "x": 1}]})

    assert response.status_code == 201
    assert not Document.objects.using("sandbox").filter(kind=USER_KIND, key="ghost").exists()


def test_more_than_75_objects_is_max_input_length_exceeded(raw):
    response = raw("/users/track", {"attributes": [{"external_id": f"u{i}"} for i in range(76)]})

    assert response.status_code == 400
    assert response.json() == {"message": "Max Input Length Exceeded"}
    assert not Document.objects.using("sandbox").filter(kind=USER_KIND).exists()


def test_75_objects_is_a_limit_of_all_three_arrays_combined(raw):
    # "Up to 75 objects total combined across attributes, events, and purchases" (https://braze.com/docs/api/api_limits).
    event = {"external_id": "u", "name": "e", "time": "2026-11-01T00:00:00Z"}
    body = {"attributes": [{"external_id": f"u{i}"} for i in range(40)], "events": [event] * 36}

    response = raw("/users/track", body)

    assert response.status_code == 400
    assert response.json() == {"message": "Max Input Length Exceeded"}
    assert raw("/users/track", {**body, "events": [event] * 35}).status_code == 201


def test_users_delete_removes_profiles_and_their_messages(client):
    client.track_users(attributes=[{"external_id": "u1"}, {"external_id": "u2"}])
    client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("u1"), Recipient("u2")])

    result = client.delete_users(["u1", "missing"])
    # Ids without a profile come back under invalid_user_ids
    # (https://braze.com/docs/api/endpoints/user_data/post_user_delete).
    assert (result.deleted, result.invalid_user_ids) == (1, ["missing"])

    assert [message.recipient for message in messages()] == ["u2"]
    assert list(Document.objects.using("sandbox").filter(kind=USER_KIND).values_list("key", flat=True)) == ["u2"]


def test_more_than_50_ids_to_delete_is_refused(raw):
    response = raw("/users/delete", {"external_ids": [f"u{i}" for i in range(51)]})

    assert response.status_code == 400
    assert response.json() == {"message": "The max number of external_ids and aliases per request was exceeded"}


def test_every_answer_carries_the_hourly_rate_limit_window(client):
    first = client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("u")]).rate_limit
    second = client.trigger(target={"type": "campaign", "id": "c"}, recipients=[Recipient("u")]).rate_limit

    assert first.limit == 250_000
    assert second.remaining == first.remaining - 1
    assert first.reset_at.minute == 0 and first.reset_at.second == 0
