"""Production start-up refuses sandbox defaults and missing secrets, naming every missing variable."""

import subprocess
import sys

from tests.processes import ROOT, clean_env

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "loyalty.example",
    "DATABASE_URL": "postgres://u:p@db.internal:5432/loyalty",
    "CACHE_URL": "redis://cache.internal:6379/0",
    "SESSIONM_CORE_URL": "https://api-ff.ent-sessionm.com",
    "SESSIONM_CONNECT_URL": "https://domains-ff.ent-sessionm.com",
    "SESSIONM_POS_URL": "https://cloudpos-ff.ent-sessionm.com",
    "SESSIONM_API_KEY": "k",
    "SESSIONM_API_SECRET": "s",
    "SESSIONM_CONNECT_KEY": "ck",
    "SESSIONM_CONNECT_SECRET": "cs",
    "SESSIONM_RETAILER_ID": "5f0c1c7e-6a1d-4a55-9d0e-000000000001",
    "SESSIONM_POS_KEY": "pk",
    "SESSIONM_POS_SECRET": "ps",
    "SESSIONM_POS_STORE_ID": "store",
    "SESSIONM_POS_CLIENT_ID": "client",
    "SESSIONM_WEBHOOK_SECRET": "whs",
    "BRAZE_REST_URL": "https://rest.iad-01.braze.com",
    "BRAZE_API_KEY": "bk",
    "BRAZE_WELCOME_CAMPAIGN_ID": "c1",
    "BRAZE_OFFER_ISSUED_CANVAS_ID": "v2",
    "BRAZE_OFFER_EXPIRING_CAMPAIGN_ID": "c3",
    "BRAZE_PASSWORD_RESET_CANVAS_ID": "v4",
    "BRAZE_CONNECTED_CONTENT_USERNAME": "braze",
    "BRAZE_CONNECTED_CONTENT_PASSWORD": "pw",
    "POS_CLIENT_KEY_SECRET": "pos-secret",
}


def load_settings(env: dict) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.BRAZE_MESSAGES)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean_env(), "DJANGO_SETTINGS_MODULE": "loyalty_bff.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_every_variable_set():
    result = load_settings(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "'offer_issued': {'type': 'canvas', 'id': 'v2'}" in result.stdout
    assert "'password_reset': {'type': 'canvas', 'id': 'v4'}" in result.stdout


def test_production_needs_the_password_reset_message():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "BRAZE_PASSWORD_RESET_CANVAS_ID"}
    result = load_settings(env)
    assert result.returncode != 0
    assert "BRAZE_PASSWORD_RESET_CAMPAIGN_ID (or BRAZE_PASSWORD_RESET_CANVAS_ID)" in result.stderr


def test_production_names_every_missing_variable():
    env = {
        k: v
        for k, v in PRODUCTION_ENV.items()
        if k not in {"DJANGO_SECRET_KEY", "SESSIONM_API_KEY", "BRAZE_API_KEY", "POS_CLIENT_KEY_SECRET"}
    }
    result = load_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    for name in ("DJANGO_SECRET_KEY", "SESSIONM_API_KEY", "BRAZE_API_KEY", "POS_CLIENT_KEY_SECRET"):
        assert name in result.stderr
    assert "SESSIONM_API_SECRET" not in result.stderr.split("not set:")[1]


def test_production_refuses_the_sandbox():
    result = load_settings({**PRODUCTION_ENV, "SANDBOX_ENABLED": "true"})
    assert result.returncode != 0
    assert "SANDBOX_ENABLED" in result.stderr


def test_production_with_nothing_set_lists_the_upstreams():
    result = load_settings({"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    for name in ("DATABASE_URL", "CACHE_URL", "SESSIONM_CORE_URL", "BRAZE_WELCOME_CAMPAIGN_ID"):
        assert name in result.stderr


def test_a_message_kind_cannot_have_both_a_campaign_and_a_canvas():
    result = load_settings({**PRODUCTION_ENV, "BRAZE_WELCOME_CANVAS_ID": "v1"})
    assert result.returncode != 0
    assert "BRAZE_WELCOME_CAMPAIGN_ID and BRAZE_WELCOME_CANVAS_ID" in result.stderr


def test_secrets_are_not_echoed_in_the_error():
    secret = "very-secret-value-123"
    result = load_settings({**PRODUCTION_ENV, "SESSIONM_API_SECRET": secret, "BRAZE_API_KEY": ""})
    assert result.returncode != 0
    assert "BRAZE_API_KEY" in result.stderr
    assert secret not in result.stderr


def test_the_webhook_auth_scheme_must_be_one_we_check():
    result = load_settings({**PRODUCTION_ENV, "SESSIONM_WEBHOOK_AUTH": "jwt"})
    assert result.returncode != 0
    assert "SESSIONM_WEBHOOK_AUTH must be one of: hmac, bearer, basic, header" in result.stderr
    assert load_settings({**PRODUCTION_ENV, "SESSIONM_WEBHOOK_AUTH": "Bearer"}).returncode == 0


def test_a_redis_cache_url_gets_the_shared_client_backend():
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean_env(), "DJANGO_SETTINGS_MODULE": "loyalty_bff.settings", **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "apps.api.cache.RedisCache"
