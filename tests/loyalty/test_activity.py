"""GET activity: the activity log (SessionM's timeline), newest first, with an opaque cursor."""

import pytest
from django.core import signing

from apps.loyalty.cursors import activity_cursor

from .conftest import FAKE_USER_ID, bearer_client, record_transaction, signup, url

pytestmark = pytest.mark.django_db


def test_newest_first_in_the_customers_language(db):
    customer = signup(language="pt-br")
    api = bearer_client(customer)
    record_transaction(customer, [("FF-CURLY", 1, "8.00")])

    body = api.get(url("activity")).json()

    assert body["next"] is None and body["next_cursor"] is None and body["previous"] is None
    purchase, welcome = body["results"]
    assert purchase["kind"] == "purchase"
    assert purchase["title"] == "Compra de US$ 8.00: 80 pontos"
    assert purchase["points"] == 80
    assert purchase["amount"] == "8.00"
    assert purchase["occurred_at"]
    assert welcome["kind"] == "welcome_bonus"


def test_pages_follow_the_cursor(api, customer):
    for _ in range(3):
        record_transaction(customer, [("FF-LARGE", 1, "4.50")])

    first = api.get(url("activity"), {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    third = api.get(url("activity"), {"page_size": 2, "cursor": second["next_cursor"]}).json()

    pages = [first["results"], second["results"], third["results"]]
    assert [len(page) for page in pages] == [2, 2, 0]
    ids = [entry["id"] for page in pages for entry in page]
    assert len(set(ids)) == 4
    assert [entry["kind"] for entry in second["results"]] == ["purchase", "welcome_bonus"]
    assert third["next"] is None


@pytest.mark.parametrize("cursor", ["nonsense", "a:b:c", signing.dumps("evt-1")])
def test_a_cursor_we_did_not_give_is_a_400(api, cursor):
    response = api.get(url("activity"), {"cursor": cursor})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["details"]


def test_another_customers_cursor_is_a_400(api, db):
    bruno = signup(first_name="Bruno")
    other = bearer_client(bruno)
    record_transaction(bruno, [("FF-LARGE", 1, "4.50")])
    theirs = other.get(url("activity"), {"page_size": 1}).json()["next_cursor"]

    assert api.get(url("activity"), {"cursor": theirs}).status_code == 400


def test_the_cursor_is_sessionms_since_and_the_page_its_count(sessionm, offline_api, settings):
    events = [{"id": f"evt-{n}", "event_stream_payload": {"kind": "purchase", "title": "x"}} for n in (9, 8)]
    sessionm.add(
        "timeline_get",
        user_id=FAKE_USER_ID,
        view=settings.SESSIONM_TIMELINE_VIEW,
        json={"status": "ok", "result": events},
    )

    first = offline_api.get(url("activity"), {"page_size": 2}).json()
    offline_api.get(url("activity"), {"page_size": 2, "cursor": first["next_cursor"]})

    asked = [call.request.url.split("?")[1] for call in sessionm.mock.calls]
    assert asked == ["count=2", "count=2&since=evt-8"]


def test_a_cursor_sessionm_no_longer_knows_is_a_400(sessionm, offline_api, settings, offline_customer):
    sessionm.add(
        "timeline_get",
        user_id=FAKE_USER_ID,
        view=settings.SESSIONM_TIMELINE_VIEW,
        json={"status": "error", "errors": {"code": "validation", "message": "since: not an event"}},
    )
    stale = activity_cursor(customer_pk=offline_customer.pk, since="evt-gone")

    response = offline_api.get(url("activity"), {"cursor": stale})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["details"]
