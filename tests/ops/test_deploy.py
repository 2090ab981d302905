"""deploy/: the gunicorn settings come from the environment and send no Server banner; the Procfile and the
systemd units start commands that exist."""

import re
import runpy
import shlex
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import get_commands

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def load_config(monkeypatch, **environ) -> dict:
    for name in (
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "GUNICORN_WORKER_CLASS",
        "GUNICORN_WORKER_CONNECTIONS",
        "PORT",
        "GUNICORN_BIND",
        "LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/unused-by-this-test")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_settings_from_the_environment(monkeypatch):
    config = load_config(
        monkeypatch, WEB_CONCURRENCY="5", GUNICORN_THREADS="8", GUNICORN_WORKER_CLASS="gthread", PORT="8123"
    )
    assert (config["workers"], config["threads"], config["worker_class"]) == (5, 8, "gthread")
    assert config["bind"] == "127.0.0.1:8123"
    assert config["graceful_timeout"] < config["timeout"] + 1
    assert config["accesslog"] == "-"
    assert "%({x-request-id}o)s" in config["access_log_format"]
    assert "%(r)s" not in config["access_log_format"] and "%(q)s" not in config["access_log_format"]


def test_gevent_workers_by_default_with_their_connections(monkeypatch):
    config = load_config(monkeypatch, GUNICORN_WORKER_CONNECTIONS="150")
    assert (config["worker_class"], config["worker_connections"]) == ("gevent", 150)
    assert "threads" not in config and not config.get("preload_app")


def test_json_logs_replace_the_access_log(monkeypatch):
    config = load_config(monkeypatch, LOG_FORMAT="json")
    assert config["accesslog"] is None
    assert config["logconfig_dict"]["formatters"]["json"]["()"] == "pythonjsonlogger.json.JsonFormatter"


def test_no_server_banner(monkeypatch):
    from gunicorn.http import wsgi

    original = wsgi.Response.default_headers
    monkeypatch.setattr(wsgi.Response, "default_headers", original)
    monkeypatch.setattr(wsgi.Response, "_loyalty_no_server_header", False, raising=False)
    load_config(monkeypatch)["post_worker_init"](None)
    response = SimpleNamespace(
        upgrade=False,
        should_close=lambda: False,
        req=SimpleNamespace(version=(1, 1)),
        status="200 OK",
        version="gunicorn",
        chunked=False,
    )
    headers = wsgi.Response.default_headers(response)
    assert headers[0].startswith("HTTP/1.1 200")
    assert not [line for line in headers if line.lower().startswith("server:")]
    assert any(line.startswith("Date:") for line in headers)


def procfile_commands() -> dict[str, list[str]]:
    lines = (DEPLOY / "Procfile").read_text().splitlines()
    entries = dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name: shlex.split(command) for name, command in entries.items()}


def test_procfile_runs_web_worker_scheduler_and_the_release_step():
    commands = procfile_commands()
    assert set(commands) == {"release", "web", "worker", "scheduler"}
    assert commands["web"][:3] == ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
    for name in ("release", "worker", "scheduler"):
        assert commands[name][:2] == ["python", "manage.py"]
        assert commands[name][2] in get_commands(), commands[name]


@pytest.mark.parametrize("unit", sorted(path.name for path in (DEPLOY / "systemd").glob("*.service")))
def test_systemd_units_run_existing_commands(unit):
    text = (DEPLOY / "systemd" / unit).read_text()
    starts = re.findall(r"^ExecStart=(.+)$", text, re.MULTILINE)
    assert starts
    for start in starts:
        argv = shlex.split(start)
        if argv[0].endswith("/python"):
            assert argv[1] == "manage.py" and argv[2] in get_commands(), start
        else:
            assert argv[0].endswith("/gunicorn") and argv[1:3] == ["-c", "deploy/gunicorn.conf.py"], start
