"""Helpers of the accounts tests: signup bodies, signing up through the API, bearer clients."""

import itertools
from dataclasses import dataclass

from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import Customer
from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import SessionMTimeout

PASSWORD = "Crispy-Golden-42"
_emails = itertools.count(1)


@dataclass
class SignedUp:
    customer: Customer
    email: str
    password: str
    access: str
    refresh: str
    body: dict


def new_email() -> str:
    return f"amanda.{next(_emails)}@example.com"


def signup_body(**overrides) -> dict:
    body = {
        "email": new_email(),
        "password": PASSWORD,
        "first_name": "Amanda",
        "last_name": "Souza",
        "birth_date": "1994-05-17",
        "language": "pt-br",
        "marketing_opt_in": True,
    }
    body.update(overrides)
    return body


def bearer(client: APIClient, access: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def signup(api: APIClient, **overrides) -> SignedUp:
    body = signup_body(**overrides)
    response = api.post(reverse("api:signup"), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    customer = Customer.objects.select_related("user").get(external_id=data["profile"]["external_id"])
    return SignedUp(customer, body["email"], body["password"], data["access"], data["refresh"], data)


def as_customer(access: str) -> APIClient:
    """A fresh client carrying `access` (each customer gets their own client, as each phone has its own app)."""
    return bearer(APIClient(), access)


def lose_create_answers(monkeypatch) -> list:
    """From now on SessionM creates profiles but their answers are lost (a timeout after the fact).
    Returns the list the created profiles are appended to."""
    client = get_sessionm_client()
    create = client.create_user
    created = []

    def created_but_answer_lost(**fields):
        created.append(create(**fields))
        raise SessionMTimeout("sessionm user_create timed out after 5.0s")

    monkeypatch.setattr(client, "create_user", created_but_answer_lost)
    return created
