"""The points page: balances and the paged history."""

import re

import pytest
from django.urls import reverse

from tests.customers import earn_points

from .pages import text

# Transactional: a page's SessionM reads run in worker threads, whose database connections must see the
# customer this test signed up (committed, not inside the test's own transaction).
pytestmark = pytest.mark.django_db(transaction=True)


def test_points_page_shows_balances_and_pages_through_the_history(customer_client, customer, monkeypatch):
    earn_points(customer, dollars=20)
    monkeypatch.setattr("apps.web.selectors.HISTORY_PAGE_SIZE", 1)

    first = text(customer_client.get(reverse("web:points")))
    second = text(customer_client.get(reverse("web:points"), {"page": 2}))

    assert "Fries Points" in first and re.search(r"<dd>300</dd>", first)
    assert "+200" in first and "Welcome bonus" not in first and 'href="?page=2"' in first
    assert "+100" in second and "Welcome bonus" in second
