"""deploy/: the gunicorn settings come from the environment and send no Server banner; the Procfile and the
systemd units start commands that exist."""

import os
import re
import runpy
import shlex
import subprocess
import sys
import time
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
        "GUNICORN_REUSE_PORT",
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


def test_each_worker_listens_on_a_socket_of_its_own_unless_told_not_to(monkeypatch):
    assert load_config(monkeypatch)["reuse_port"] is True
    assert load_config(monkeypatch, GUNICORN_REUSE_PORT="false")["reuse_port"] is False


def _listening_sockets(port: int) -> int:
    # /proc/net/tcp: local address as HEX_IP:HEX_PORT, state 0A is LISTEN.
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A")


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc/net/tcp")
@pytest.mark.parametrize(("reuse_port", "sockets"), [("true", 2), ("false", 1)])
def test_two_workers_listen_on_two_sockets_the_kernel_spreads_connections_over(tmp_path, reuse_port, sockets):
    from tests.processes import free_port

    (tmp_path / "hello.py").write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_WORKER_CLASS": "sync",
        "GUNICORN_REUSE_PORT": reuse_port,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "--pythonpath", str(tmp_path)]
    server = subprocess.Popen([*command, "hello:application"], env=env, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while _listening_sockets(port) < sockets and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # a second socket would be there by now
        assert _listening_sockets(port) == sockets
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("reuse_port", [True, False])
def test_a_port_already_listened_on_is_refused_with_a_clear_error(tmp_path, reuse_port):
    import socket

    from tests.processes import free_port

    port = free_port()
    with socket.socket() as other:
        # Another server on the port, even one that shares it the same way, must stop this one from starting.
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, int(reuse_port))
        other.bind(("127.0.0.1", port))
        other.listen()
        env = {**os.environ, "PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
        command = [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "no_such_module:app"]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603
    assert result.returncode != 0
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr and "Another server is there" in result.stderr


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
