"""At the counter: "My card" (the member code as a QR code for the till) and redeeming as a deliberate two-step
act that ends on a screen for the cashier. Server-rendered, no JavaScript needed."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from apps.loyalty.models import MemberCode
from tests.till import post_signed, sale

from .pages import buy_curly_fries, shown_messages, text, wallet_ids

# The wallet page reads SessionM on pool threads, which see only committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def test_my_card_shows_a_fresh_member_code_as_a_qr_code(customer_client, customer):
    response = customer_client.get(reverse("web:card"))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")  # never cached: it is a credential for minutes
    page = text(response)
    code = re.search(r'<code class="code-screen__code">(FF[A-Z2-7]{24})</code>', page).group(1)
    assert re.search(r'<svg role="img" viewBox="[^"]+" class="qr"><title>Your member code</title><g ', page)
    assert "Valid for 5 minutes, until <time datetime=" in page
    assert f'href="{reverse("web:card")}"' in page  # the refresh link
    assert "<script" not in page
    assert MemberCode.objects.get().customer == customer

    again = text(customer_client.get(reverse("web:card")))
    assert code not in again
    assert MemberCode.objects.count() == 2


def test_the_till_credits_whoever_showed_the_card(customer_client, customer, other_customer):
    page = text(customer_client.get(reverse("web:card")))
    code = re.search(r'<code class="code-screen__code">(FF[A-Z2-7]{24})</code>', page).group(1)

    assert post_signed(sale([("FF-CURLY", 1, "8.00")], member_code=code)).status_code == 202

    assert re.search(r"<dd>180</dd>", text(customer_client.get(reverse("web:wallet"))))


def test_my_card_needs_a_customer(client):
    response = client.get(reverse("web:card"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))

    staff = get_user_model().objects.create_user("staff@example.com", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("web:card")).status_code == 403
    assert MemberCode.objects.count() == 0


def test_redeeming_asks_first_and_the_question_redeems_nothing(customer_client, customer):
    user_offer_id = buy_curly_fries(customer_client, customer)
    wallet = text(customer_client.get(reverse("web:wallet")))
    assert f'<a class="button button--small" href="{reverse("web:offer-redeem", args=[user_offer_id])}">' in wallet

    question = customer_client.get(reverse("web:offer-redeem", args=[user_offer_id]))

    assert question.status_code == 200
    page = text(question)
    assert "<h1>Redeem now?</h1>" in page
    assert "Free Curly Fries" in page and "show the next screen to the cashier" in page
    assert f'method="post" action="{reverse("web:offer-redeem", args=[user_offer_id])}"' in page
    assert wallet_ids(customer) == [user_offer_id]


def test_redeeming_ends_on_a_screen_for_the_cashier(customer_client, customer):
    user_offer_id = buy_curly_fries(customer_client, customer)

    response = customer_client.post(reverse("web:offer-redeem", args=[user_offer_id]), follow=True)

    assert response.redirect_chain == [(reverse("web:redemption", args=[user_offer_id]), 302)]
    assert shown_messages(response)[-1] == "You redeemed Free Curly Fries. Enjoy!"
    page = text(response)
    assert "<h1>Show this screen to the cashier</h1>" in page
    assert '<h2 id="redeemed-offer">Free Curly Fries</h2>' in page
    assert f'<code class="code-screen__code">{user_offer_id}</code>' in page
    assert "<title>Redemption code for the cashier</title>" in page
    assert re.search(r'Redeemed at</dt><dd><time datetime="\d{4}-\d\d-\d\dT[^"]+">', page)
    assert re.search(r"Discount code</dt><dd><code>[^<]+</code>", page)
    assert wallet_ids(customer) == []

    # Reloading the screen shows it again and redeems nothing more.
    reloaded = customer_client.get(reverse("web:redemption", args=[user_offer_id]))
    assert reloaded.status_code == 200 and f"{user_offer_id}</code>" in text(reloaded)


def test_another_session_cannot_see_the_cashiers_screen(customer_client, customer):
    user_offer_id = buy_curly_fries(customer_client, customer)
    customer_client.post(reverse("web:offer-redeem", args=[user_offer_id]))
    other_device = Client()
    other_device.force_login(customer.user)

    response = other_device.get(reverse("web:redemption", args=[user_offer_id]), follow=True)

    assert shown_messages(response)[-1] == "This redemption is not one you made in this session."
    assert user_offer_id not in text(response)


def test_the_question_for_someone_elses_offer_says_it_is_not_yours(customer, other_customer):
    amanda, bruno = Client(), Client()
    amanda.force_login(customer.user)
    bruno.force_login(other_customer.user)
    amandas_offer = buy_curly_fries(amanda, customer)

    response = bruno.get(reverse("web:offer-redeem", args=[amandas_offer]), follow=True)

    assert shown_messages(response) == ["This offer is not in your wallet."]
    assert "Redeem now?" not in text(response) and amandas_offer not in text(response)
    assert wallet_ids(customer) == [amandas_offer]
