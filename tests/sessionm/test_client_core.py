"""Core calls: URL, method, credentials, body and timeout of each, and what comes back."""

from datetime import UTC, date, datetime

import pytest

from apps.sessionm.errors import SessionMBadResponse, SessionMNotFound, SessionMRejected
from apps.sessionm.routes import ROUTES
from apps.sessionm.types import SessionMUser

from .conftest import CORE_AUTH, CORE_V1, CORE_V2, TIMEOUT, USER_ID, sent_json

USER = {
    "id": USER_ID,
    "external_id": "ff_9c2e41d0a7b3",
    "external_id_type": "fancyfries",
    "opted_in": True,
    "activated": True,
    "email": "amanda@example.com",
    "first_name": "Amanda",
    "last_name": "Silva",
    "dob": "1994-03-12",
    "locale": "pt-br",
    "available_points": 100,
    "created_at": "2025-05-30 06:08:11",
    "updated_at": "2025-05-30 06:08:11",
}


def assert_core_call(call, method, url):
    assert call.request.method == method
    assert call.request.url == url
    assert call.request.headers["Authorization"] == CORE_AUTH
    assert call.request.req_kwargs["timeout"] == TIMEOUT


def test_create_user_sends_the_profile_with_the_configured_external_id_type(client, mock):
    mock.post(f"{CORE_V1}/users", json={"status": "ok", "user": USER})

    user = client.create_user(
        external_id="ff_9c2e41d0a7b3",
        email="amanda@example.com",
        first_name="Amanda",
        last_name="Silva",
        dob=date(1994, 3, 12),
        locale="pt-br",
        user_profile={"favourite_fries": "curly"},
    )

    assert_core_call(mock.calls[0], "POST", f"{CORE_V1}/users")
    assert sent_json(mock.calls[0]) == {
        "user": {
            "external_id": "ff_9c2e41d0a7b3",
            "external_id_type": "fancyfries",
            "email": "amanda@example.com",
            "opted_in": True,
            "first_name": "Amanda",
            "last_name": "Silva",
            "dob": "1994-03-12",
            "locale": "pt-br",
            "user_profile": {"favourite_fries": "curly"},
        }
    }
    assert user.id == USER_ID
    assert user.available_points == 100


def test_create_user_leaves_out_attributes_not_given(client, mock):
    mock.post(f"{CORE_V1}/users", json={"status": "ok", "user": USER})

    client.create_user(external_id="ff_9c2e41d0a7b3", email="amanda@example.com", opted_in=False)

    assert sent_json(mock.calls[0]) == {
        "user": {
            "external_id": "ff_9c2e41d0a7b3",
            "external_id_type": "fancyfries",
            "email": "amanda@example.com",
            "opted_in": False,
        }
    }


def test_get_user_asks_for_no_expansion_unless_told(client, mock):
    mock.get(f"{CORE_V1}/users/{USER_ID}", json={"status": "ok", "user": USER})

    user = client.get_user(USER_ID)

    assert_core_call(mock.calls[0], "GET", f"{CORE_V1}/users/{USER_ID}")
    assert user == SessionMUser.from_wire(USER)


def test_get_user_sends_each_expand_flag_asked_for(client, mock):
    mock.get(f"{CORE_V1}/users/{USER_ID}", json={"status": "ok", "user": USER})
    mock.get(f"{CORE_V1}/users/{USER_ID}", json={"status": "ok", "user": USER})

    client.get_user(USER_ID, expand_incentives=True)
    client.get_user(USER_ID, user_profile=True)

    assert mock.calls[0].request.url == f"{CORE_V1}/users/{USER_ID}?expand_incentives=true"
    assert mock.calls[1].request.url == f"{CORE_V1}/users/{USER_ID}?user%5Buser_profile%5D=true"


def test_get_user_by_external_id_uses_the_external_path(client, mock):
    mock.get(f"{CORE_V1}/external/users/ff_9c2e41d0a7b3", json={"status": "ok", "user": USER})

    user = client.get_user_by_external_id("ff_9c2e41d0a7b3", expand_incentives=True, user_profile=True)

    assert_core_call(
        mock.calls[0],
        "GET",
        f"{CORE_V1}/external/users/ff_9c2e41d0a7b3?user%5Buser_profile%5D=true&expand_incentives=true",
    )
    assert user.external_id == "ff_9c2e41d0a7b3"


def test_path_segments_are_escaped(client, mock):
    mock.get(f"{CORE_V1}/external/users/a%2F..%2Fb%3Fx", json={"status": "ok", "user": USER})

    client.get_user_by_external_id("a/../b?x")

    assert mock.calls[0].request.url == f"{CORE_V1}/external/users/a%2F..%2Fb%3Fx"


def test_update_user_sends_only_the_changes(client, mock):
    mock.put(f"{CORE_V1}/users/{USER_ID}", json={"status": "ok", "user": {**USER, "first_name": "Mandy"}})

    user = client.update_user(USER_ID, first_name="Mandy", dob=date(1994, 3, 13))

    assert_core_call(mock.calls[0], "PUT", f"{CORE_V1}/users/{USER_ID}")
    assert sent_json(mock.calls[0]) == {"user": {"first_name": "Mandy", "dob": "1994-03-13"}}
    assert user.first_name == "Mandy"
    assert user.email == "amanda@example.com"


def test_update_user_refuses_attributes_sessionm_does_not_update(client, mock):
    with pytest.raises(TypeError, match="external_id"):
        client.update_user(USER_ID, external_id="someone-else")
    with pytest.raises(ValueError):
        client.update_user(USER_ID)
    assert len(mock.calls) == 0


def test_forget_is_a_data_privacy_request(client, mock):
    # https://docs.sessionm.com/developer/APIs/Core/Customers/customers_data_privacy.htm ("Create Request to
    # Forget Customer Data"); the path is inferred (routes.py), the envelope is Core's.
    mock.post(
        f"{CORE_V1}/users/{USER_ID}/privacy_requests",
        json={"status": "ok", "privacy_request": {"id": "pr-1", "request_type": "forget", "status": "submitted"}},
    )

    request = client.request_forget(USER_ID)

    assert_core_call(mock.calls[0], "POST", f"{CORE_V1}/users/{USER_ID}/privacy_requests")
    assert sent_json(mock.calls[0]) == {"privacy_request": {"request_type": "forget"}}
    assert (request.id, request.request_type, request.status) == ("pr-1", "forget", "submitted")


def test_forget_of_a_customer_already_gone(client, mock):
    mock.post(
        f"{CORE_V1}/users/{USER_ID}/privacy_requests",
        status=404,
        json={"status": "error", "errors": {"code": "user_not_found", "message": "user not found"}},
    )

    with pytest.raises(SessionMNotFound) as caught:
        client.request_forget(USER_ID)
    assert caught.value.code == "user_not_found"


def test_forget_route_is_flagged_inferred_and_names_its_page():
    route = ROUTES["privacy_forget_request"]
    assert route.inferred and route.doc.endswith("customers_data_privacy.htm")
    assert all(route.doc or route.inferred for route in ROUTES.values())


def test_add_tags_by_user_id_with_ttl(client, mock):
    mock.post(f"{CORE_V1}/users/{USER_ID}/tags", json={"status": "ok"})

    client.add_tags(user_id=USER_ID, tags=["summer"], ttl=2592000)

    assert_core_call(mock.calls[0], "POST", f"{CORE_V1}/users/{USER_ID}/tags")
    assert sent_json(mock.calls[0]) == {"tags": ["summer"], "ttl": 2592000}


def test_add_counter_tags_by_external_id(client, mock):
    mock.post(f"{CORE_V1}/external/users/ff_9c2e41d0a7b3/tags", json={"status": "ok"})

    client.add_tags(external_id="ff_9c2e41d0a7b3", tags=["vip", "app_user"])

    assert_core_call(mock.calls[0], "POST", f"{CORE_V1}/external/users/ff_9c2e41d0a7b3/tags")
    assert sent_json(mock.calls[0]) == {"tags": ["vip", "app_user"]}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tags": ["vip"]},
        {"tags": ["vip"], "user_id": USER_ID, "external_id": "ff_1"},
        {"tags": [], "user_id": USER_ID},
        {"tags": ["vip"], "user_id": USER_ID, "ttl": 0},
    ],
)
def test_add_tags_checks_its_arguments_before_sending(client, mock, kwargs):
    with pytest.raises(ValueError):
        client.add_tags(**kwargs)
    assert len(mock.calls) == 0


def _event(timestamp, title, points=None, type_id=7):
    # The documented event shape: no "id" (https://docs.sessionm.com/developer/APIs/Core/Customers/customers_timeline.htm).
    payload = {"title": title}
    if points is not None:
        payload["points"] = points
    return {
        "event_stream_event_type_id": type_id,
        "timestamp": timestamp,
        "created_at": timestamp,
        "event_stream_payload": payload,
    }


TIMELINE = f"{CORE_V1}/users/{USER_ID}/timelines/END_USER_MEMBER_STATEMENT"
EVENT_TYPES = [{"id": 7, "name": "Purchase", "slug": "purchase"}, {"id": 1, "name": "Welcome", "slug": "welcome_bonus"}]


def test_get_timeline_sends_since_as_a_timestamp_and_reads_events_without_ids(client, mock):
    mock.get(
        TIMELINE,
        json={
            "status": "ok",
            # SessionM promises no order: the client sorts by time.
            "result": [_event("2025-06-03 18:20:00", "Purchase", 180), _event("2025-06-01 09:00:00", "Hi", 100, 1)],
            "count": 2,
            "event_types": EVENT_TYPES,
        },
    )

    page = client.get_timeline(
        USER_ID,
        view="END_USER_MEMBER_STATEMENT",
        count=2,
        since=datetime(2025, 5, 31, 12, 0, tzinfo=UTC),
        event_types=["purchase", "welcome_bonus"],
    )

    assert_core_call(
        mock.calls[0],
        "GET",
        f"{TIMELINE}?count=2&since=2025-05-31+12%3A00%3A00&event_types=purchase%2Cwelcome_bonus",
    )
    assert [(event.id, event.kind, event.points) for event in page.events] == [
        (None, "welcome_bonus", 100),
        (None, "purchase", 180),
    ]
    # A full page: the next one asks from the last event's time.
    assert page.next_since == datetime(2025, 6, 3, 18, 20, tzinfo=UTC)


def test_get_timeline_short_page_is_the_last(client, mock):
    mock.get(TIMELINE, json={"status": "ok", "result": [_event("2025-06-03 18:20:00", "Joined")], "count": 1})

    page = client.get_timeline(USER_ID, view="END_USER_MEMBER_STATEMENT", count=20)

    assert mock.calls[0].request.url.endswith("/timelines/END_USER_MEMBER_STATEMENT?count=20")
    assert page.next_since is None
    assert page.events[0].points is None


def test_get_timeline_events_reads_forward_without_losing_events_of_the_same_second(client, mock):
    first = [_event(f"2025-06-0{day} 10:00:00", f"e{day}", day) for day in (1, 2)]
    # The second page starts a second early (since may be exclusive): the repeated event is dropped.
    second = [_event("2025-06-02 10:00:00", "e2", 2), _event("2025-06-02 10:00:00", "e2b", 5)]
    mock.get(TIMELINE, json={"status": "ok", "result": first, "event_types": EVENT_TYPES})
    mock.get(TIMELINE, json={"status": "ok", "result": second, "event_types": EVENT_TYPES})

    events = client.get_timeline_events(USER_ID, view="END_USER_MEMBER_STATEMENT", page_size=2, max_events=10)

    assert [event.title for event in events] == ["e1", "e2", "e2b"]
    assert "since" not in mock.calls[0].request.url  # no since: all events, from the first
    assert "since=2025-06-02+09%3A59%3A59" in mock.calls[1].request.url
    # A full page of nothing new (more events in one second than a page holds) is asked again with a larger
    # count; a short page ends the read.
    assert len(mock.calls) == 4 and "count=4" in mock.calls[3].request.url


@pytest.mark.parametrize("count", [0, 1001])
def test_get_timeline_count_limits(client, mock, count):
    with pytest.raises(ValueError):
        client.get_timeline(USER_ID, view="END_USER_MEMBER_STATEMENT", count=count)
    assert len(mock.calls) == 0


CAMPAIGN = {
    "campaign_id": "c-large-fries",
    "name": "Large Fries on us",
    "start_date": "2025-05-01 00:00:00",
    "end_date": "2025-12-31 23:59:59",
    "custom_payload": {"requires_opt_in": True},
    "progress": {"state": "opted_in", "opted_in": True, "percent": 0},
    "template": {"message": {"header": "Large Fries on us", "description": "Buy two kinds of fries"}},
}


def test_get_eligible_campaigns_reads_tiles_and_promotions(client, mock):
    promotion = {**CAMPAIGN, "campaign_id": "c-tuesday", "name": "Mobile Tuesdays: 20% off"}
    mock.get(
        f"{CORE_V2}/users/{USER_ID}/campaigns",
        json={"status": "ok", "campaigns": {"tiles": [CAMPAIGN], "promotions": [promotion, CAMPAIGN]}},
    )

    campaigns = client.get_eligible_campaigns(USER_ID)

    assert_core_call(mock.calls[0], "GET", f"{CORE_V2}/users/{USER_ID}/campaigns")
    assert [c.campaign_id for c in campaigns] == ["c-large-fries", "c-tuesday"]


def test_get_eligible_campaigns_without_promotions(client, mock):
    mock.get(f"{CORE_V2}/users/{USER_ID}/campaigns", json={"status": "ok", "campaigns": {"tiles": [CAMPAIGN]}})

    assert [c.name for c in client.get_eligible_campaigns(USER_ID)] == ["Large Fries on us"]


@pytest.mark.parametrize("status", [200, 404])
def test_no_active_campaign_is_an_empty_list(client, mock, status):
    mock.get(
        f"{CORE_V2}/users/{USER_ID}/campaigns",
        status=status,
        json={"status": "error", "errors": {"code": "NO_ACTIVE_CAMPAIGN_FOUND", "message": "none"}},
    )

    assert client.get_eligible_campaigns(USER_ID) == []


def test_get_eligible_campaigns_other_errors_propagate(client, mock):
    mock.get(
        f"{CORE_V2}/users/{USER_ID}/campaigns",
        json={"status": "error", "errors": {"code": "requires_registered_user", "message": "register first"}},
    )

    with pytest.raises(SessionMRejected) as caught:
        client.get_eligible_campaigns(USER_ID)
    assert caught.value.code == "requires_registered_user"


def test_opt_in(client, mock):
    url = f"{CORE_V1}/users/{USER_ID}/campaigns/c-large-fries/opt_in"
    mock.post(url, json={"status": "ok", "campaign": CAMPAIGN})

    assert client.opt_in(USER_ID, "c-large-fries") is None

    assert_core_call(mock.calls[0], "POST", url)


def test_claim_promo_code(client, mock):
    url = f"{CORE_V1}/users/{USER_ID}/promo_codes/claim"
    mock.post(
        url,
        json={"status": "ok", "promo_code": {"code": "TUESDAY20", "offer_id": "o-20off", "user_offer_id": "uo-41"}},
    )

    claim = client.claim_promo_code(USER_ID, "TUESDAY20")

    assert_core_call(mock.calls[0], "POST", url)
    assert sent_json(mock.calls[0]) == {"promo_code": {"code": "TUESDAY20"}}
    assert (claim.code, claim.offer_id, claim.user_offer_id) == ("TUESDAY20", "o-20off", "uo-41")


def test_a_timeline_answer_without_its_result_is_a_bad_response(client, mock):
    mock.get(TIMELINE, json={"status": "ok", "count": 0})

    with pytest.raises(SessionMBadResponse):
        client.get_timeline(USER_ID, view="END_USER_MEMBER_STATEMENT", count=20)
