"""The web wallet page keeps the wallet ledger current as the app's wallet read does: its selector only reads,
and the view hands what SessionM showed to loyalty's wallet_read_record."""

import pytest
from django.urls import reverse

from apps.messaging.models import NotificationKind, WalletItem
from apps.sandbox import demo
from apps.sessionm import get_sessionm_client
from apps.web.selectors import wallet_page_get

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_wallet_page_selector_only_reads(customer):
    get_sessionm_client().issue_offer(customer.sessionm_user_id, demo.FREE_SNACK_BOX.id)

    page = wallet_page_get(customer=customer)

    assert len(page.offers.results) == 1
    assert not WalletItem.objects.exists()


def test_opening_the_wallet_page_records_offers_the_ledger_did_not_know(customer_client, customer):
    [issued] = get_sessionm_client().issue_offer(customer.sessionm_user_id, demo.FREE_SNACK_BOX.id)

    assert customer_client.get(reverse("web:wallet")).status_code == 200

    item = WalletItem.objects.get(customer=customer)
    assert (item.user_offer_id, item.source) == (issued.user_offer_id, "wallet_read")
    assert customer.notifications.filter(kind=NotificationKind.OFFER_ISSUED).count() == 1
