"""The API authenticates from a per-process snapshot of the user and customer, checked against a version in
the shared cache: no query on the hot path, and any change to the user or customer is seen on the next
request, in this process and in every other one."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts import auth_cache
from apps.accounts.models import Customer
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def _no_snapshots():
    auth_cache.snapshots_clear()
    yield
    auth_cache.snapshots_clear()


def bearer(customer) -> str:
    return f"Bearer {RefreshToken.for_user(customer.user).access_token}"


def me(client, token):
    return client.get(reverse("api:me"), HTTP_AUTHORIZATION=token)


def test_after_the_first_request_authentication_makes_no_query(client, django_assert_num_queries):
    customer = CustomerFactory()
    token = bearer(customer)
    with django_assert_num_queries(1):
        assert me(client, token).status_code == 200
    with django_assert_num_queries(0):
        response = me(client, token)
    assert response.status_code == 200
    assert response.json()["first_name"] == "Amanda"


def test_a_profile_change_is_seen_on_the_next_request(client):
    customer = CustomerFactory()
    token = bearer(customer)
    assert me(client, token).json()["language"] == "en"
    customer.language = "fr"
    customer.save()
    assert me(client, token).json()["language"] == "fr"


def test_a_change_to_the_user_row_is_seen_on_the_next_request(client):
    customer = CustomerFactory()
    token = bearer(customer)
    assert me(client, token).status_code == 200
    customer.user.is_active = False
    customer.user.save(update_fields=["is_active"])
    assert me(client, token).status_code == 401


def test_a_forgotten_customer_is_refused_at_once(client):
    customer = CustomerFactory()
    token = bearer(customer)
    assert me(client, token).status_code == 200
    customer.status = "forgotten"
    customer.save()
    response = me(client, token)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "customer_not_found"


def test_a_deleted_user_is_refused_at_once(client):
    customer = CustomerFactory()
    token = bearer(customer)
    assert me(client, token).status_code == 200
    customer.user.delete()
    response = me(client, token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_change_made_in_another_process_is_seen_through_the_shared_version(client):
    customer = CustomerFactory()
    token = bearer(customer)
    assert me(client, token).json()["first_name"] == "Amanda"
    # Another process saved the customer: its rows changed, and its signal replaced the shared version.
    Customer.objects.filter(pk=customer.pk).update(first_name="Bia")
    assert me(client, token).json()["first_name"] == "Amanda"  # nothing told this process yet
    auth_cache.auth_version_bump(user_id=customer.user_id)
    assert me(client, token).json()["first_name"] == "Bia"


def test_a_lost_version_means_a_reload_never_a_stale_hit(client):
    customer = CustomerFactory()
    token = bearer(customer)
    assert me(client, token).status_code == 200
    Customer.objects.filter(pk=customer.pk).update(first_name="Bia")
    # The cache lost every key (eviction, restart): the new version matches no snapshot.
    from django.core.cache import cache

    cache.clear()
    assert me(client, token).json()["first_name"] == "Bia"


def test_a_snapshot_is_never_older_than_the_max_age(client, settings):
    customer = CustomerFactory()
    token = bearer(customer)
    assert me(client, token).status_code == 200
    Customer.objects.filter(pk=customer.pk).update(first_name="Bia")  # no signal, no new version
    settings.AUTH_SNAPSHOT_MAX_AGE = 0
    assert me(client, token).json()["first_name"] == "Bia"


def test_a_reader_between_the_save_and_the_commit_does_not_keep_the_old_rows(django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks() as commit:
        customer.first_name = "Bia"
        customer.save()
        # Another request reads now: it sees the version the save set, but (on its own connection) the rows as
        # they were before this transaction. Simulated: it keeps the old first name under the new version.
        auth_cache.user_with_customer_get(user_id=customer.user_id)
        Customer.objects.filter(pk=customer.pk).update(first_name="Amanda")
        auth_cache.snapshots_clear()
        stale = auth_cache.user_with_customer_get(user_id=customer.user_id)
        assert stale.customer.first_name == "Amanda"
        Customer.objects.filter(pk=customer.pk).update(first_name="Bia")
    assert commit, "a bump must run once the transaction commits"
    for callback in commit:
        callback()
    assert auth_cache.user_with_customer_get(user_id=customer.user_id).customer.first_name == "Bia"


def test_a_password_change_invalidates(client):
    customer = CustomerFactory()
    token = bearer(customer)
    assert me(client, token).status_code == 200
    before = auth_cache.user_with_customer_get(user_id=customer.user_id).password
    customer.user.set_password("Another-Secret-99")
    customer.user.save()
    assert auth_cache.user_with_customer_get(user_id=customer.user_id).password != before


def test_each_request_gets_its_own_instances(client):
    customer = CustomerFactory()
    first = auth_cache.user_with_customer_get(user_id=customer.user_id)
    first.customer.first_name = "changed in one request, never saved"
    second = auth_cache.user_with_customer_get(user_id=customer.user_id)
    assert second.customer.first_name == "Amanda"
    assert second.customer is not first.customer
    assert second.customer.user is second
    assert second.customer._state.adding is False  # saving it updates the row, never inserts


def test_a_user_without_a_customer_is_served_without_a_query(django_assert_num_queries):
    staff = UserFactory()
    auth_cache.user_with_customer_get(user_id=staff.pk)
    with django_assert_num_queries(0):
        user = auth_cache.user_with_customer_get(user_id=staff.pk)
        with pytest.raises(Customer.DoesNotExist):
            user.customer  # noqa: B018


def test_an_unknown_user_is_none():
    assert auth_cache.user_with_customer_get(user_id=987654321) is None
