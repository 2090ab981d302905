"""The sandbox till at /sandbox/till/: staff ring up a purchase for a member code, and the page sends it to the
BFF's intake over real HTTP, signed as the sandbox POS client that seed_demo creates."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from apps.accounts.models import Customer
from apps.loyalty.member_codes import member_code_issue
from apps.loyalty.models import PosClient, PosTransaction
from apps.loyalty.selectors import points_get

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def staff(seeded):
    client = Client()
    client.force_login(get_user_model().objects.get(username="staff@example.com"))
    return client


@pytest.fixture
def amanda(seeded):
    return Customer.objects.get(user__username="amanda@example.com")


@pytest.fixture
def over_http(settings, live_server):
    # The page POSTs to the BFF over HTTP: the live server is that BFF here.
    settings.SANDBOX_TILL_BFF_URL = live_server.url


def ring_up_form(page_html: str, **fields) -> dict:
    request_id = re.search(r'name="request_id" value="([^"]+)"', page_html).group(1)
    return {"request_id": request_id, "payment": "CARD", "promo_code": "", **fields}


def test_seed_demo_creates_the_sandbox_till_and_says_how_to_earn_points(seeded):
    client = PosClient.objects.get(key_id="sandbox-till")
    assert client.is_active and client.allowed_stores == ["FF-MAIN-ST"]
    assert "/sandbox/till/" in seeded and "My card" in seeded
    call_command("seed_demo", stdout=io.StringIO())  # again: changes nothing
    assert PosClient.objects.count() == 1


def test_staff_only(amanda):
    anonymous = Client().get(reverse("sandbox:till"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("admin:login"))

    customer = Client()
    customer.force_login(amanda.user)
    response = customer.get(reverse("sandbox:till"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_rings_up_a_purchase_for_a_member_code_once(staff, amanda, over_http):
    code = member_code_issue(customer=amanda).code
    form = ring_up_form(
        staff.get(reverse("sandbox:till")).content.decode(),
        member_code=code,
        **{"qty_FF-PULLED-PORK": "1", "qty_FF-CURLY": "1"},
    )

    first = staff.post(reverse("sandbox:till"), form)
    again = staff.post(reverse("sandbox:till"), form)  # a double click sends the same ring-up twice

    page = first.content.decode()
    assert first.status_code == 200
    assert "Rung up: $18.00" in page and "HTTP 202" in page
    assert "Rung up: $18.00" in again.content.decode()
    assert PosTransaction.objects.get().client.key_id == "sandbox-till"
    assert points_get(customer=amanda).available == 280


def test_a_refused_code_is_shown_with_the_reason(staff, amanda, over_http):
    form = ring_up_form(
        staff.get(reverse("sandbox:till")).content.decode(), member_code="FFNOTAREALCODE", **{"qty_FF-CURLY": "1"}
    )

    page = staff.post(reverse("sandbox:till"), form).content.decode()

    assert "Refused" in page and "HTTP 422" in page and "member_code_invalid" in page
    assert points_get(customer=amanda).available == 100


def test_an_empty_order_is_not_sent(staff, amanda):
    code = member_code_issue(customer=amanda).code
    form = ring_up_form(staff.get(reverse("sandbox:till")).content.decode(), member_code=code)

    response = staff.post(reverse("sandbox:till"), form)

    assert response.status_code == 400
    assert "Pick at least one item." in response.content.decode()
    assert PosTransaction.objects.count() == 0
