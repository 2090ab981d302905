"""What SessionM reports in its own words, in the customer's language: by event type, never by parsing."""

import pytest
from django.utils import translation

from apps.loyalty.labels import activity_title, point_history_label, program_name
from apps.sessionm.types import PointAuditEntry, TimelineEvent


def event(kind, **payload):
    # The documented event shape (no id); the kind is the event type's slug from the answer's event_types.
    return TimelineEvent.from_wire(
        {"event_stream_event_type_id": 5, "timestamp": "2025-06-03 18:20:00", "event_stream_payload": payload},
        kinds={"5": kind},
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Purchase of $1,234.50: 12,345 points"),
        ("pt-br", "Compra de US$ 1.234,50: 12.345 pontos"),
        ("es", "Compra de 1\xa0234,50 $: 12\xa0345 puntos"),
        ("fr", "Achat de 1\xa0234,50 $ : 12\xa0345 points"),
    ],
)
def test_a_purchase_in_every_language_with_its_numbers_in_the_locale(language, expected):
    purchase = event("purchase", title="Purchase of $1234.50: 12345 points", points=12345, amount="1234.50")
    with translation.override(language):
        assert activity_title(purchase) == expected


def test_the_english_text_is_not_what_decides():
    # SessionM's title says one thing, the type another: the type wins.
    misleading = event("welcome_bonus", title="Purchase of $8.00: 80 points", points=100)
    with translation.override("pt-br"):
        assert activity_title(misleading) == "Bônus de boas-vindas: 100 pontos"


def test_an_unknown_kind_keeps_sessionms_text():
    with translation.override("fr"):
        assert activity_title(event("spin_the_wheel", title="You spun the wheel")) == "You spun the wheel"
        assert activity_title(event(None, title="Something")) == "Something"


def test_offers_are_named_when_the_name_is_known_in_the_language():
    issued = event("offer_issued", title="Free Large Fries added to your wallet", user_offer_id="uo-1")
    with translation.override("es"):
        assert activity_title(issued) == "Se añadió una recompensa a tu cartera"
        assert (
            activity_title(issued, offer_name="Patatas grandes gratis") == "Patatas grandes gratis añadido a tu cartera"
        )


def test_behaviour_rewards_by_their_event_lookup():
    survey = event("event_reward", title="Survey completed: 50 points", points=50, event="survey_completed")
    other = event("event_reward", title="Quiz: 10 points", points=10, event="quiz")
    with translation.override("pt-br"):
        assert activity_title(survey) == "Pesquisa respondida: 50 pontos"
        assert activity_title(other) == "Bônus por uma atividade: 10 pontos"


def entry(modification_type, source):
    return PointAuditEntry.from_wire(
        {"modification": -500, "modification_type": modification_type, "point_source_name": source}
    )


@pytest.mark.parametrize(
    ("modification_type", "source", "expected"),
    [
        ("spend", "Rewards Store: Free Curly Fries", "Pontos usados"),
        ("earn", "Purchase", "Compra"),
        ("adjustment", "Purchase adjustment", "Ajuste de compra"),
        ("deposit", "Welcome bonus", "Bônus de boas-vindas"),
        ("deposit", "Survey completed", "Pontos de bônus"),
        ("transfer", "Points moved", "Points moved"),  # a type the BFF does not know: SessionM's words
    ],
)
def test_point_history_by_modification_type(modification_type, source, expected):
    with translation.override("pt-br"):
        assert point_history_label(entry(modification_type, source)) == expected


def test_program_names_translate_by_name_and_others_pass_through():
    with translation.override("fr"):
        assert [program_name(name) for name in ("Fries Points", "Silver", "Gold", "Platinum", None)] == [
            "Points Fries",
            "Argent",
            "Or",
            "Platinum",
            None,
        ]
