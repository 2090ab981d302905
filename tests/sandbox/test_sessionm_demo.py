"""The Fancy Fries demo program as data, and the emulator's coverage of the SessionM route table."""

import uuid

import pytest

from apps.sandbox import demo
from apps.sandbox.sessionm.handlers import HANDLERS
from apps.sessionm.routes import ROUTES


def test_every_sessionm_route_has_a_handler():
    assert set(HANDLERS) == set(ROUTES)


@pytest.mark.parametrize(
    ("value", "culture"),
    [
        ("pt-BR", "pt-BR"),
        ("pt-br", "pt-BR"),
        ("PT_br", "pt-BR"),
        ("fr-CA", "fr-FR"),
        ("es", "es-ES"),
        ("en-GB", "en-US"),
        ("de-DE", "en-US"),
        ("", "en-US"),
        (None, "en-US"),
    ],
)
def test_pick_culture(value, culture):
    assert demo.pick_culture(value) == culture


def test_every_text_exists_in_every_culture():
    for offer in demo.OFFERS.values():
        assert set(offer.texts) == set(demo.CULTURES), offer.slug
        assert all(text.name and text.description and text.terms for text in offer.texts.values())
    for campaign in demo.CAMPAIGNS.values():
        assert set(campaign.texts) == set(demo.CULTURES), campaign.slug
    for event in demo.EVENTS.values():
        assert set(event.texts) == set(demo.CULTURES), event.lookup
    for kind in demo.TIMELINE_EVENT_TYPES.values():
        assert set(kind.titles) == set(demo.CULTURES), kind.slug


def test_timeline_titles_only_use_known_placeholders():
    values = {"points": 1, "offer": "o", "amount": "1.00", "campaign": "c", "code": "C", "event": "e", "tier": "t"}
    for kind in demo.TIMELINE_EVENT_TYPES.values():
        for title in kind.titles.values():
            assert title.format(**values)


def test_the_program_matches_the_design():
    assert (demo.POINT_ACCOUNT.name, demo.POINTS_PER_DOLLAR, demo.WELCOME_POINTS) == ("Fries Points", 10, 100)
    assert [(tier.name, tier.required_points) for tier in demo.TIERS] == [
        ("Bronze", 0),
        ("Silver", 1500),
        ("Gold", 5000),
    ]
    assert {sku: str(price) for sku, price in demo.MENU.items()} == {
        "FF-PULLED-PORK": "10.00",
        "FF-CURLY": "8.00",
        "FF-LARGE": "4.50",
        "SNACK-BOX": "12.00",
    }
    assert demo.FRIES_SKUS == {"FF-PULLED-PORK", "FF-CURLY", "FF-LARGE"}
    store = [(demo.OFFERS[item.offer_id].texts["en-US"].name, item.price) for item in demo.REWARD_STORE.offers]
    assert store == [
        ("Free Curly Fries", 500),
        ("$5 off", 700),
        ("Free Pulled Pork Fries", 900),
        ("Free Snack Box", 1200),
    ]
    assert {lookup: event.points for lookup, event in demo.EVENTS.items()} == {"survey_completed": 50, "app_review": 25}
    assert demo.PROMO_CODES == {"TUESDAY20": demo.MOBILE_TUESDAYS}


def test_ids_are_stable_uuids_and_references_resolve():
    ids = [offer.id for offer in demo.OFFERS.values()] + list(demo.CAMPAIGNS) + [demo.REWARD_STORE.id]
    ids += [item.id for item in demo.REWARD_STORE.offers] + [tier.id for tier in demo.TIERS]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(value).version == 5 for value in ids)
    assert all(campaign.reward_offer_id in demo.OFFERS for campaign in demo.CAMPAIGNS.values())
    assert all(item.offer_id in demo.OFFERS for item in demo.REWARD_STORE.offers)
