"""POS clients in the admin: the signing key is shown once on creation and after a rotation, never stored;
the key id cannot change (it is part of the key); the pos_client_key command prints it for an operator."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.loyalty.member_codes import member_code_issue
from apps.loyalty.models import MemberCode, PosClient, PosNonce, pos_client_signing_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    admin = get_user_model().objects.create_superuser("ops@fancyfries.test", "ops@fancyfries.test", "pw-Ops-12345")
    client.force_login(admin)
    return client


def shown(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_creating_a_client_shows_its_key_once(staff):
    response = staff.post(
        reverse("admin:loyalty_posclient_add"),
        {"name": "Main St till 1", "key_id": "main-st-1", "is_active": "on", "allowed_stores": '["FF-MAIN-ST"]'},
        follow=True,
    )

    client = PosClient.objects.get(key_id="main-st-1")
    assert client.allowed_stores == ["FF-MAIN-ST"]
    key = client.signing_key()
    assert any(key in message for message in shown(response))
    assert key not in str(PosClient.objects.filter(pk=client.pk).values().get())  # nothing secret in the row
    assert key not in staff.get(reverse("admin:loyalty_posclient_change", args=[client.pk])).content.decode()


def test_allowed_stores_must_be_a_list_of_store_ids(staff):
    response = staff.post(
        reverse("admin:loyalty_posclient_add"),
        {"name": "Till", "key_id": "till-9", "is_active": "on", "allowed_stores": '"FF-MAIN-ST"'},
    )

    assert response.status_code == 200
    assert "A list of store ids" in response.content.decode()
    assert not PosClient.objects.exists()


def test_rotating_changes_the_key_and_shows_the_new_one(staff):
    client = PosClient.objects.create(name="Till", key_id="till-1", allowed_stores=["FF-MAIN-ST"])
    old = client.signing_key()

    response = staff.post(
        reverse("admin:loyalty_posclient_changelist"),
        {"action": "rotate_key", "_selected_action": [client.pk]},
        follow=True,
    )

    client.refresh_from_db()
    assert client.key_version == 2 and client.signing_key() != old
    assert any(client.signing_key() in message for message in shown(response))


def test_the_key_depends_on_the_server_secret(settings):
    first = pos_client_signing_key(key_id="till-1", key_version=1)
    settings.POS_CLIENT_KEY_SECRET = "another-secret"

    assert pos_client_signing_key(key_id="till-1", key_version=1) != first
    assert len(first) == 64


def test_the_operator_command_prints_the_key():
    client = PosClient.objects.create(name="Till", key_id="till-1")
    out = io.StringIO()

    call_command("pos_client_key", "till-1", stdout=out)

    assert out.getvalue().strip() == client.signing_key()
    with pytest.raises(CommandError, match="No POS client"):
        call_command("pos_client_key", "nobody", stdout=io.StringIO())


def test_prune_deletes_stale_nonces_and_old_member_codes(customer):
    till = PosClient.objects.create(name="Till", key_id="till-1")
    PosNonce.objects.create(client=till, nonce="a" * 32)
    PosNonce.objects.create(client=till, nonce="b" * 32)
    PosNonce.objects.filter(nonce="a" * 32).update(created_at=timezone.now() - timedelta(minutes=11))
    member_code_issue(customer=customer)
    member_code_issue(customer=customer)
    MemberCode.objects.filter(pk=MemberCode.objects.first().pk).update(expires_at=timezone.now() - timedelta(days=2))

    call_command("prune_pos_intake", stdout=io.StringIO())

    assert list(PosNonce.objects.values_list("nonce", flat=True)) == ["b" * 32]
    assert MemberCode.objects.count() == 1
