"""The campaigns page: progress, opting in, and the offer it earns."""

import re

import pytest
from django.urls import reverse

from .pages import shown_messages, text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def test_campaigns_show_progress_and_opt_in(customer_client):
    page = text(customer_client.get(reverse("web:campaigns")))
    assert "Large Fries on us" in page and "Mobile Tuesdays" in page
    assert "Automatic: no need to opt in" in page  # Snack Box Saturday
    assert '<progress class="progress" max="100" value="0"' in page
    opt_ins = dict(
        (name, action)
        for action, name in re.findall(r'action="(/campaigns/[^"]+/opt-in/)".*?visually-hidden"> ([^<]+)<', page, re.S)
    )
    assert sorted(opt_ins) == ["Large Fries on us", "Mobile Tuesdays: 20% off"]

    response = customer_client.post(opt_ins["Large Fries on us"], follow=True)

    assert shown_messages(response) == [
        "You're in! Your progress shows on the campaign's card; the reward goes to your wallet once earned."
    ]
    assert "You're in" in text(response)

    # Opting in to Mobile Tuesdays is itself rewarded: the card says Completed, and so does the message.
    response = customer_client.post(opt_ins["Mobile Tuesdays: 20% off"], follow=True)

    assert shown_messages(response) == [
        "You're in, and you've already earned the reward: it's in your wallet, ready to redeem."
    ]
    assert "Completed" in text(response)


def test_the_same_offer_from_opting_in_and_from_a_promo_code_reads_differently(customer_client):
    page = text(customer_client.get(reverse("web:campaigns")))
    opt_in = re.search(r'action="(/campaigns/[^"]+/opt-in/)"[^$]*?Mobile Tuesdays', page, re.S).group(1)
    customer_client.post(opt_in)
    customer_client.post(reverse("web:promo-code"), {"code": "TUESDAY20"})

    wallet = text(customer_client.get(reverse("web:wallet")))

    assert wallet.count('class="card__title">20% off your order<') == 2
    assert wallet.count("From a promo code") == 1
    assert wallet.count("Received <time") == 2


def test_opting_in_to_an_unknown_campaign_says_so(customer_client):
    response = customer_client.post(reverse("web:campaign-opt-in", args=["no-such-campaign"]), follow=True)

    assert shown_messages(response) == ["This campaign is not open to you any more."]
