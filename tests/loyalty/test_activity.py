"""GET activity: the activity log (SessionM's timeline), newest first, with an opaque cursor."""

import json

import pytest
from django.core import signing
from django.core.cache import cache

from apps.loyalty import services as loyalty_services
from apps.loyalty import timeline
from apps.loyalty.timeline import changes_timeline, timeline_changed, timeline_with_names
from apps.upstream.errors import UpstreamTimeout
from tests.customers import signup

from .conftest import FAKE_USER_ID, bearer_client, record_transaction, url

pytestmark = pytest.mark.django_db


def test_newest_first_in_the_customers_language(db):
    customer = signup(language="pt-br")
    api = bearer_client(customer)
    record_transaction(customer, [("FF-CURLY", 1, "8.00")])

    body = api.get(url("activity")).json()

    assert body["next"] is None and body["next_cursor"] is None and body["previous"] is None
    purchase, welcome = body["results"]
    assert purchase["kind"] == "purchase"
    # The BFF's own text for the kind, numbers in the locale (not SessionM's wording).
    assert purchase["title"] == "Compra de US$ 8,00: 80 pontos"
    assert purchase["points"] == 80
    assert purchase["amount"] == "8.00"
    assert purchase["occurred_at"]
    assert purchase["id"] is None  # SessionM promises no event id
    assert (welcome["kind"], welcome["title"]) == ("welcome_bonus", "Bônus de boas-vindas: 100 pontos")


@pytest.mark.parametrize(
    ("language", "purchase", "welcome"),
    [
        ("es", "Compra de 8,00 $: 80 puntos", "Bono de bienvenida: 100 puntos"),
        ("fr", "Achat de 8,00 $ : 80 points", "Bonus de bienvenue : 100 points"),
        ("en", "Purchase of $8.00: 80 points", "Welcome bonus: 100 points"),
    ],
)
def test_known_kinds_speak_every_language(db, language, purchase, welcome):
    customer = signup(language=language)
    api = bearer_client(customer)
    record_transaction(customer, [("FF-CURLY", 1, "8.00")])

    titles = [entry["title"] for entry in api.get(url("activity")).json()["results"]]

    assert titles == [purchase, welcome]


def test_pages_follow_the_cursor(api, customer):
    for _ in range(3):
        record_transaction(customer, [("FF-LARGE", 1, "4.50")])

    first = api.get(url("activity"), {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    pages = [first["results"], second["results"]]
    assert [len(page) for page in pages] == [2, 2]
    assert [entry["kind"] for entry in second["results"]] == ["purchase", "welcome_bonus"]
    assert second["next"] is None and second["next_cursor"] is None


def _events(*stamps_and_kinds):
    # SessionM's documented shape: no id; the type named by event_types.
    return {
        "status": "ok",
        "result": [
            {
                "event_stream_event_type_id": type_id,
                "timestamp": stamp,
                "created_at": stamp,
                "event_stream_payload": {"title": f"SessionM text {type_id}", "points": 10},
            }
            for stamp, type_id in stamps_and_kinds
        ],
        "event_types": [{"id": 2, "name": "Purchase", "slug": "purchase"}, {"id": 99, "name": "Quiz", "slug": "quiz"}],
    }


def test_the_log_is_read_forward_by_timestamp_and_paged_newest_first(sessionm, offline_api, settings):
    settings.ACTIVITY_CACHE_SECONDS = 0  # each view reads SessionM (the cache: tests below)
    sessionm.add(
        "timeline_get",
        user_id=FAKE_USER_ID,
        view=settings.SESSIONM_TIMELINE_VIEW,
        json=_events(("2025-06-03 10:00:00", 2), ("2025-06-01 10:00:00", 99), ("2025-06-02 10:00:00", 2)),
    )

    first = offline_api.get(url("activity"), {"page_size": 2}).json()
    second = offline_api.get(url("activity"), {"page_size": 2, "cursor": first["next_cursor"]}).json()

    # No since: all events (https://docs.sessionm.com/developer/Tasks/Customers/t_get_timeline.htm).
    asked = [call.request.url.split("?")[1] for call in sessionm.mock.calls]
    assert asked == ["count=1000", "count=1000"]
    assert [entry["occurred_at"][:10] for entry in first["results"]] == ["2025-06-03", "2025-06-02"]
    assert [entry["occurred_at"][:10] for entry in second["results"]] == ["2025-06-01"]
    # An unknown kind keeps SessionM's own text.
    assert (second["results"][0]["kind"], second["results"][0]["title"]) == ("quiz", "SessionM text 99")
    assert second["next_cursor"] is None


def test_events_newer_than_a_page_do_not_shift_the_next_one(sessionm, offline_api, settings, offline_customer):
    settings.ACTIVITY_CACHE_SECONDS = 0  # each view reads SessionM, so the second one sees the newer event
    older = [("2025-06-01 10:00:00", 2), ("2025-06-02 10:00:00", 2), ("2025-06-03 10:00:00", 2)]
    params = {"user_id": FAKE_USER_ID, "view": settings.SESSIONM_TIMELINE_VIEW}
    sessionm.add("timeline_get", json=_events(*older), **params)
    # By the second page a newer event has arrived (responses answers these in order).
    sessionm.add("timeline_get", json=_events(*older, ("2025-06-04 10:00:00", 2)), **params)
    first = offline_api.get(url("activity"), {"page_size": 1}).json()
    assert [entry["occurred_at"][:10] for entry in first["results"]] == ["2025-06-03"]

    second = offline_api.get(url("activity"), {"page_size": 1, "cursor": first["next_cursor"]}).json()

    assert [entry["occurred_at"][:10] for entry in second["results"]] == ["2025-06-02"]


def test_paging_reads_the_timeline_once_while_it_is_cached(sessionm, offline_api, settings):
    settings.ACTIVITY_CACHE_SECONDS = 30
    params = {"user_id": FAKE_USER_ID, "view": settings.SESSIONM_TIMELINE_VIEW}
    sessionm.add("timeline_get", json=_events(("2025-06-01 10:00:00", 2), ("2025-06-02 10:00:00", 2)), **params)

    first = offline_api.get(url("activity"), {"page_size": 1}).json()
    second = offline_api.get(url("activity"), {"page_size": 1, "cursor": first["next_cursor"]}).json()
    again = offline_api.get(url("activity"), {"page_size": 1}).json()

    assert len(sessionm.calls_to("timeline_get", **params)) == 1
    assert [entry["occurred_at"][:10] for entry in first["results"] + second["results"]] == ["2025-06-02", "2025-06-01"]
    assert again["results"] == first["results"]


def test_a_cached_timeline_is_read_again_once_it_expires(sessionm, offline_api, settings):
    settings.ACTIVITY_CACHE_SECONDS = 30
    params = {"user_id": FAKE_USER_ID, "view": settings.SESSIONM_TIMELINE_VIEW}
    sessionm.add("timeline_get", json=_events(("2025-06-01 10:00:00", 2)), **params)
    sessionm.add("timeline_get", json=_events(("2025-06-01 10:00:00", 2), ("2025-06-02 10:00:00", 2)), **params)
    assert len(offline_api.get(url("activity")).json()["results"]) == 1

    cache.clear()  # what the cache does after ACTIVITY_CACHE_SECONDS

    assert len(offline_api.get(url("activity")).json()["results"]) == 2
    assert len(sessionm.calls_to("timeline_get", **params)) == 2


def test_the_customers_own_purchase_shows_at_once(api, customer, settings):
    settings.ACTIVITY_CACHE_SECONDS = 300
    assert [entry["kind"] for entry in api.get(url("activity")).json()["results"]] == ["welcome_bonus"]

    record_transaction(customer, [("FF-CURLY", 1, "8.00")])  # the till's intake: loyalty.services

    assert [entry["kind"] for entry in api.get(url("activity")).json()["results"]] == ["purchase", "welcome_bonus"]


def test_every_service_that_writes_to_sessionm_forgets_the_timeline():
    # Any of these can add events to the customer's timeline (points, offers, redemptions).
    for name in (
        "campaign_opt_in",
        "offer_redeem",
        "reward_purchase",
        "pos_transaction_send",
        "promo_code_claim",
        "event_report",
    ):
        assert getattr(getattr(loyalty_services, name), "changes_timeline", False), name


def test_opting_in_forgets_the_timeline(sessionm, offline_api, settings):
    settings.ACTIVITY_CACHE_SECONDS = 30
    params = {"user_id": FAKE_USER_ID, "view": settings.SESSIONM_TIMELINE_VIEW}
    sessionm.add("timeline_get", json=_events(("2025-06-01 10:00:00", 2)), **params)
    sessionm.add(
        "campaign_opt_in",
        user_id=FAKE_USER_ID,
        campaign_id="5f0c1c7e-6a1d-4a55-9d0e-fa1c0ffee0c1",
        json={"status": "ok"},
    )
    offline_api.get(url("activity"))

    assert (
        offline_api.post(url("campaign-opt-in", campaign_id="5f0c1c7e-6a1d-4a55-9d0e-fa1c0ffee0c1")).status_code == 200
    )
    offline_api.get(url("activity"))

    assert len(sessionm.calls_to("timeline_get", **params)) == 2


def test_a_failed_write_still_forgets_the_timeline(sessionm, offline_customer, settings):
    settings.ACTIVITY_CACHE_SECONDS = 30
    params = {"user_id": FAKE_USER_ID, "view": settings.SESSIONM_TIMELINE_VIEW}
    sessionm.add("timeline_get", json=_events(("2025-06-01 10:00:00", 2)), **params)
    timeline_with_names(customer=offline_customer, culture="en-US")

    @changes_timeline
    def times_out(*, customer):
        raise UpstreamTimeout("the write may still have been done")

    with pytest.raises(UpstreamTimeout):
        times_out(customer=offline_customer)
    timeline_with_names(customer=offline_customer, culture="en-US")

    assert len(sessionm.calls_to("timeline_get", **params)) == 2


def test_a_timeline_read_while_it_changed_is_not_reused(sessionm, offline_customer, settings):
    settings.ACTIVITY_CACHE_SECONDS = 30
    params = {"user_id": FAKE_USER_ID, "view": settings.SESSIONM_TIMELINE_VIEW}
    answers = iter(
        [_events(("2025-06-01 10:00:00", 2)), _events(("2025-06-01 10:00:00", 2), ("2025-06-02 10:00:00", 2))]
    )

    def read_during_a_purchase(request):
        body = next(answers)
        if len(body["result"]) == 1:
            # The customer's purchase is recorded while this (now outdated) answer is on its way.
            timeline_changed(customer=offline_customer)
        return 200, {}, json.dumps(body)

    sessionm.add_callback("timeline_get", read_during_a_purchase, **params)

    assert len(timeline_with_names(customer=offline_customer, culture="en-US")[0]) == 1
    assert len(timeline_with_names(customer=offline_customer, culture="en-US")[0]) == 2
    assert len(timeline_with_names(customer=offline_customer, culture="en-US")[0]) == 2
    assert len(sessionm.calls_to("timeline_get", **params)) == 2


def test_each_customer_has_their_own_cached_timeline(db, settings):
    settings.ACTIVITY_CACHE_SECONDS = 30
    amanda, bruno = signup(first_name="Amanda"), signup(first_name="Bruno")
    record_transaction(bruno, [("FF-LARGE", 1, "4.50")])

    assert [entry["kind"] for entry in bearer_client(amanda).get(url("activity")).json()["results"]] == [
        "welcome_bonus"
    ]
    assert len(bearer_client(bruno).get(url("activity")).json()["results"]) == 2


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


def test_offers_are_named_from_the_ledger_and_a_second_view_makes_no_query(db, settings, django_assert_num_queries):
    settings.ACTIVITY_CACHE_SECONDS = 30
    customer = signup(first_name="Amanda")
    api = bearer_client(customer)
    response = api.post(url("promo-codes"), {"code": "TUESDAY20"}, format="json")  # an offer in her wallet
    assert response.status_code == 201, response.content
    api.get(url("wallet"))  # the ledger holds its name

    first = api.get(url("activity")).json()["results"]
    with django_assert_num_queries(0):  # the timeline and its offers' names, both from the cache
        second = api.get(url("activity")).json()["results"]

    assert first == second
    named = [entry for entry in second if entry["user_offer_id"]]
    assert named and all("20% off your order" in entry["title"] for entry in named), second


def test_a_new_language_names_the_offers_in_it(db, settings, monkeypatch):
    settings.ACTIVITY_CACHE_SECONDS = 30
    customer = signup()
    asked = []
    real = timeline.wallet_item_titles
    monkeypatch.setattr(
        timeline, "wallet_item_titles", lambda **kwargs: asked.append(kwargs["culture"]) or real(**kwargs)
    )
    timeline_with_names(customer=customer, culture="en-US")
    timeline_with_names(customer=customer, culture="en-US")
    timeline_with_names(customer=customer, culture="fr-FR")

    assert asked == ["en-US", "fr-FR"]  # read with the timeline, then once in the other language
