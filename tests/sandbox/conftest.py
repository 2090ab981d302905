import pytest

from apps.sandbox.sessionm.calls import call


@pytest.fixture
def user_id():
    """A customer in the SessionM emulator, as the BFF's signup creates one."""
    response = call("user_create", {"user": {"external_id": "ext-amanda", "email": "amanda@example.com"}})
    assert response.status == 200
    return response.body["user"]["id"]
