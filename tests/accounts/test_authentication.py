"""Every app screen needs the customer: authentication loads it with the user, in one query."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt import tokens as simplejwt_tokens
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts import authentication
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def bearer(customer) -> str:
    return f"Bearer {RefreshToken.for_user(customer.user).access_token}"


def test_profile_is_served_with_a_single_query(client, django_assert_num_queries):
    customer = CustomerFactory()
    token = bearer(customer)  # issuing a token records it for the blacklist: not part of the request
    with django_assert_num_queries(1):
        response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=token)
    assert response.status_code == 200
    assert response.json()["email"] == customer.user.email


def test_a_forgotten_customers_token_no_longer_works(client):
    customer = CustomerFactory()
    token = bearer(customer)
    customer.user.is_active = False
    customer.user.save()
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_user_without_a_customer_gets_a_404_not_a_500(client, django_user_model):
    staff = django_user_model.objects.create_user(username="staff@example.com", password="x" * 12)
    token = f"Bearer {RefreshToken.for_user(staff).access_token}"
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=token)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer_not_found"


def test_a_token_verified_before_is_still_refused_once_it_expires(client, monkeypatch):
    customer = CustomerFactory()
    token = bearer(customer)
    assert client.get(reverse("api:me"), HTTP_AUTHORIZATION=token).status_code == 200
    later = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(authentication, "aware_utcnow", lambda: later)
    monkeypatch.setattr(simplejwt_tokens, "aware_utcnow", lambda: later)
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=token)
    assert response.status_code == 401


def test_a_tampered_token_is_refused_even_after_the_genuine_one_was_verified(client):
    customer = CustomerFactory()
    token = bearer(customer)
    assert client.get(reverse("api:me"), HTTP_AUTHORIZATION=token).status_code == 200
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.get(reverse("api:me"), HTTP_AUTHORIZATION=tampered).status_code == 401
