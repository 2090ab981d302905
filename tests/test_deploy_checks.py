"""Production settings pass Django's deployment checklist with no warning, and the browser security headers are
on every page."""

import secrets
import subprocess
import sys

import pytest

from tests.processes import ROOT, clean_env
from tests.test_settings import PRODUCTION_ENV as SETTINGS_PRODUCTION_ENV

# The settings test's production environment, with secrets strong enough for `check --deploy` (W009).
PRODUCTION_ENV = {
    **SETTINGS_PRODUCTION_ENV,
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://loyalty:secret@127.0.0.1:9/loyalty",
    "CACHE_URL": "redis://127.0.0.1:9/0",
    "SESSIONM_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    "BRAZE_CONNECTED_CONTENT_PASSWORD": secrets.token_urlsafe(24),
    "POS_CLIENT_KEY_SECRET": secrets.token_urlsafe(32),
}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean_env(), **env}, capture_output=True, text=True
    )


def test_check_deploy_passes_with_no_warning_in_a_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_local_memory_cache_is_refused_in_production():
    result = _manage("check", env={**PRODUCTION_ENV, "CACHE_URL": "locmemcache://"})
    assert result.returncode != 0
    assert "local-memory cache" in result.stderr


def test_sandbox_on_in_production_names_the_sandbox_not_debug():
    result = _manage("check", env={**PRODUCTION_ENV, "SANDBOX_ENABLED": "true"})
    assert result.returncode != 0
    assert "SANDBOX_ENABLED" in result.stderr


def test_the_env_example_is_safe_to_copy_for_local_development(tmp_path):
    # Its values, as `cp .env.example .env` would give them (the .env file is read the same way).
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    env = {
        **values,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
    }
    assert values.get("DJANGO_DEBUG", "true") == "true"
    assert values.get("SANDBOX_ENABLED", "true") == "true"
    result = _manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_csp_referrer_and_permissions_policies(client):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_no_template_has_inline_script_or_style():
    # CSP allows none; this keeps new templates honest before a browser would complain.
    offenders = []
    for folder in [ROOT / "templates", *ROOT.glob("apps/*/templates")]:
        for template in folder.rglob("*.html"):
            text = template.read_text()
            if "<script>" in text or "<style" in text or " style=" in text or " onclick=" in text:
                offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []


def test_sandbox_off_in_debug_names_the_sandbox_switch_not_debug():
    result = _manage("check", env={"DJANGO_DEBUG": "true", "SANDBOX_ENABLED": "false"})
    assert result.returncode != 0
    assert "SANDBOX_ENABLED=false (with DJANGO_DEBUG=true)" in result.stderr
    assert "DJANGO_DEBUG=false and" not in result.stderr
