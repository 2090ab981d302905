"""The web wallet's account pages and its kindness, through Django's test client against the in-process
sandbox: forgotten password (link from the sandbox's Braze), password change ending other sessions,
forget-me after a reset, actions posted with an expired session, and the promo field keeping a refused code."""

import html
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Customer, CustomerStatus
from apps.messaging.delivery import deliver_due
from apps.sandbox.braze.selectors import message_list
from tests.customers import PASSWORD, earn_points

from .pages import reward_id, shown_messages, text, wallet_ids

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Salted-Potato-Wedges-7"


def reset_link(customer) -> str:
    deliver_due()
    message = message_list(target_id="sandbox-password-reset-campaign", recipient=customer.sessionm_user_id).first()
    assert message is not None
    return message.properties["reset_url"]


def log_in(client, email, password, **extra):
    return client.post(reverse("web:login"), {"email": email, "password": password, **extra})


def test_login_page_links_to_the_forgotten_password_page():
    assert reverse("web:password-reset") in text(Client().get(reverse("web:login")))


def test_asking_for_a_link_shows_the_same_page_for_known_and_unknown_addresses(customer):
    known = Client().post(reverse("web:password-reset"), {"email": customer.user.email}, follow=True)
    unknown = Client().post(reverse("web:password-reset"), {"email": "nobody@example.com"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [(reverse("web:password-reset-sent"), 302)]
    same = [re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text(r)) for r in (known, unknown)]
    assert same[0] == same[1]
    assert reset_link(customer).startswith("http://testserver/password-reset/")


def test_a_bad_address_is_shown_on_its_field():
    response = Client().post(reverse("web:password-reset"), {"email": "not-an-email"})
    assert response.status_code == 400
    assert "Enter a valid email address." in text(response)


def test_the_emailed_link_sets_a_new_password_signs_in_and_works_once(customer):
    Client().post(reverse("web:password-reset"), {"email": customer.user.email})
    link = urlsplit(reset_link(customer)).path
    browser = Client()

    opened = browser.get(link)
    # The token leaves the address before the form is shown (no Referer or history carries it).
    set_password = opened["Location"]
    assert opened.status_code == 302 and set_password.endswith("/set-password/")
    assert link.split("/")[-2] not in set_password
    weak = browser.post(set_password, {"new_password": "12345678"})
    done = browser.post(set_password, {"new_password": NEW_PASSWORD}, follow=True)

    assert weak.status_code == 400
    assert done.redirect_chain == [(reverse("web:wallet"), 302)]
    assert shown_messages(done) == ["Your new password is set, and you are signed in."]
    assert log_in(Client(), customer.user.email, PASSWORD).status_code == 400
    assert log_in(Client(), customer.user.email, NEW_PASSWORD).status_code == 302
    # Used once: the same link now explains itself and offers a new one.
    again = Client().get(link, follow=True)
    assert again.status_code == 400
    assert "This link has expired" in text(again)
    assert reverse("web:password-reset") in text(again)


def test_a_made_up_link_is_refused():
    response = Client().get(reverse("web:password-reset-confirm", args=["MQ", "abc-def"]), follow=True)
    assert response.status_code == 400
    assert "This link has expired" in text(response)


def test_forget_me_right_after_a_reset_needs_no_password(customer):
    Client().post(reverse("web:password-reset"), {"email": customer.user.email})
    browser = Client()
    set_password = browser.get(urlsplit(reset_link(customer)).path)["Location"]
    browser.post(set_password, {"new_password": NEW_PASSWORD})

    page = browser.get(reverse("web:forget"))
    forgotten = browser.post(reverse("web:forget"), {}, follow=True)

    assert 'name="password"' not in text(page)
    assert forgotten.redirect_chain == [(reverse("web:landing"), 302)]
    assert Customer.objects.get(pk=customer.pk).status == CustomerStatus.FORGOTTEN


def test_forget_me_in_an_older_session_still_asks_for_the_password(customer_client, customer):
    page = customer_client.get(reverse("web:forget"))
    refused = customer_client.post(reverse("web:forget"), {})

    assert 'name="password"' in text(page)
    assert refused.status_code == 400
    assert Customer.objects.get(pk=customer.pk).status == CustomerStatus.ACTIVE


def test_changing_the_password_keeps_this_session_and_ends_the_others(customer):
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        assert log_in(browser, customer.user.email, PASSWORD).status_code == 302

    wrong = here.post(reverse("web:password-change"), {"current_password": "nope", "new_password": NEW_PASSWORD})
    changed = here.post(
        reverse("web:password-change"), {"current_password": PASSWORD, "new_password": NEW_PASSWORD}, follow=True
    )

    assert wrong.status_code == 400
    assert "That is not your current password." in text(wrong)
    assert changed.redirect_chain == [(reverse("web:profile"), 302)]
    assert here.get(reverse("web:wallet")).status_code == 200
    assert elsewhere.get(reverse("web:wallet")).status_code == 302  # to the login page


def test_the_profile_links_to_the_password_change(customer_client):
    assert reverse("web:password-change") in text(customer_client.get(reverse("web:profile")))


# --- Sessions that expire kindly --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "page", "anchor"),
    [
        (lambda c: reverse("web:reward-buy", args=[reward_id(c, "Free Curly Fries")]), "web:wallet", "reward-"),
        (lambda c: reverse("web:offer-redeem", args=["uo-1"]), "web:wallet", "offer-uo-1"),
        (lambda c: reverse("web:campaign-opt-in", args=["cmp-1"]), "web:campaigns", "campaign-cmp-1"),
        (lambda c: reverse("web:promo-code"), "web:wallet", "promo"),
    ],
    ids=["buy", "redeem", "opt-in", "promo-code"],
)
def test_an_action_posted_after_the_session_expired_comes_back_to_its_page_after_login(customer, action, page, anchor):
    earn_points(customer, dollars=50)
    browser = Client()
    url = action(customer)

    expired = browser.post(url, {"code": "TUESDAY20"}, HTTP_REFERER=f"http://testserver{reverse(page)}", follow=True)

    login_url = expired.redirect_chain[-1][0]
    assert urlsplit(login_url).path == reverse("web:login")
    assert shown_messages(expired) == ["Please sign in again — nothing was changed."]
    assert wallet_ids(customer) == []
    back = log_in(browser, customer.user.email, PASSWORD, next=expired.context["next"])
    assert back.status_code == 302
    assert back["Location"].startswith(f"{reverse(page)}#{anchor}")
    assert browser.get(back["Location"]).status_code == 200


def test_opening_an_action_address_shows_its_page_instead_of_a_405(customer_client):
    response = customer_client.get(reverse("web:campaign-opt-in", args=["cmp-1"]))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:campaigns')}#campaign-cmp-1"


def test_an_action_returns_to_the_page_of_offers_it_was_posted_from(customer_client, customer):
    reward = reward_id(customer, "Free Curly Fries")
    response = customer_client.post(
        reverse("web:reward-buy", args=[reward]), HTTP_REFERER="http://testserver/wallet/?rewards_page=2"
    )
    assert response["Location"] == f"/wallet/?rewards_page=2#reward-{reward}"


def test_a_referer_from_elsewhere_is_not_followed(customer_client, customer):
    reward = reward_id(customer, "Free Curly Fries")
    response = customer_client.post(
        reverse("web:reward-buy", args=[reward]), HTTP_REFERER="https://evil.example/wallet/?x=1"
    )
    assert response["Location"] == f"/wallet/#reward-{reward}"


# --- Friction ----------------------------------------------------------------------------------------------------


def test_a_refused_promo_code_stays_in_its_field(customer_client):
    response = customer_client.post(reverse("web:promo-code"), {"code": "NOPE42"}, follow=True)

    assert shown_messages(response) == ["This promo code is not valid."]
    assert re.search(r'name="code"[^>]*value="NOPE42"', html.unescape(response.content.decode()))
    # Only once: the next visit starts empty.
    assert 'value="NOPE42"' not in text(customer_client.get(reverse("web:wallet")))


def test_buy_is_disabled_and_explained_when_the_reward_is_out_of_reach(customer_client, customer):
    page = text(customer_client.get(reverse("web:wallet")))
    reward = reward_id(customer, "Free Curly Fries")

    card = page[page.index(f'id="reward-{reward}"') :]
    card = card[: card.index("</li>")]
    assert "disabled" in card
    assert f'aria-describedby="reward-{reward}-short"' in card
    assert "400 more points needed" in card  # 500 points, 100 to spend


def test_signup_shows_every_error_in_one_round():
    response = Client().post(
        reverse("web:signup"),
        {"first_name": "", "email": "not-an-email", "password": "12345678", "birth_date": "2020-01-01"},
    )

    page = text(response)
    assert response.status_code == 400
    assert "Enter a valid email address." in page  # a format error...
    assert "This password is entirely numeric." in page  # ...with the rules' errors, in the same round
    assert "You must be at least 13 years old." in page


def test_signup_takes_the_browsers_time_zone(db):
    Client().post(
        reverse("web:signup"),
        {
            "first_name": "Ana",
            "email": "ana.tz@example.com",
            "password": PASSWORD,
            "language": "pt-br",
            "time_zone": "America/Manaus",
        },
    )
    assert Customer.objects.get(user__username="ana.tz@example.com").time_zone == "America/Manaus"


def test_times_are_shown_in_the_customers_zone_or_their_languages_usual_one(customer_client, customer):
    earn_points(customer, dollars=10)

    def shown_time():
        page = text(customer_client.get(reverse("web:activity")))
        return re.search(r'<time datetime="([^"]+)"', page).group(1)

    assert shown_time().endswith("-05:00") or shown_time().endswith("-04:00")  # English: New York
    customer_client.post(
        reverse("web:profile"),
        {
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "email": customer.user.email,
            "language": "en",
            "time_zone": "Asia/Tokyo",
        },
    )
    assert Customer.objects.get(pk=customer.pk).time_zone == "Asia/Tokyo"
    assert shown_time().endswith("+09:00")


def test_an_unknown_time_zone_is_refused(customer_client, customer):
    response = customer_client.post(
        reverse("web:profile"),
        {"first_name": "A", "email": customer.user.email, "language": "en", "time_zone": "Mars/Olympus"},
    )
    assert response.status_code == 400
