"""get_sessionm_client(): one client per process, built from settings."""

import pytest
import responses

from apps.sessionm import SessionMClient, get_sessionm_client
from apps.upstream.inprocess import InProcessAdapter


@pytest.fixture(autouse=True)
def _fresh_client():
    get_sessionm_client.cache_clear()
    yield
    get_sessionm_client.cache_clear()


def test_one_client_per_process():
    client = get_sessionm_client()

    assert isinstance(client, SessionMClient)
    assert get_sessionm_client() is client
    get_sessionm_client.cache_clear()
    assert get_sessionm_client() is not client


def test_sandbox_urls_are_served_in_process(settings):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_URL = settings.SANDBOX_INPROCESS_URL

    session = get_sessionm_client()._session

    assert isinstance(session.get_adapter(settings.SANDBOX_INPROCESS_URL + "/sessionm/core/x"), InProcessAdapter)


def test_built_from_the_sessionm_settings(settings):
    settings.SANDBOX_ENABLED = False
    settings.SESSIONM_CORE_URL = "https://api-ff.ent-sessionm.com"
    settings.SESSIONM_API_KEY = "prod-key"
    settings.SESSIONM_TIMEOUT = (1.0, 3.0)
    settings.SESSIONM_RETRIES = 0

    with responses.RequestsMock() as mock:
        mock.get(
            "https://api-ff.ent-sessionm.com/priv/v1/apps/prod-key/users/u-1",
            json={"status": "ok", "user": {"id": "u-1"}},
        )
        get_sessionm_client().get_user("u-1")

        assert mock.calls[0].request.req_kwargs["timeout"] == (1.0, 3.0)
