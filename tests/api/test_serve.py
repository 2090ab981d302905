"""`manage.py serve` starts gunicorn with the worker class the environment chooses (gevent by default) and
hands that choice to the web process's settings."""

import pytest
from django.core.management import call_command

from apps.api.management.commands import serve


class FakeProcess:
    started: list = []

    def __init__(self, command, env=None):
        self.command, self.env = command, env
        self.returncode = 0
        FakeProcess.started.append(self)

    def poll(self):
        return 0  # exits at once: serve stops everything and reports it

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def started(monkeypatch):
    FakeProcess.started = []
    monkeypatch.setattr(serve.subprocess, "Popen", FakeProcess)
    monkeypatch.setattr(serve.signal, "signal", lambda *args: None)
    return FakeProcess.started


def web_command(started):
    (web,) = [process for process in started if "gunicorn" in process.command]
    return web


def test_gevent_workers_by_default(started, settings):
    settings.GUNICORN_WORKER_CLASS = "gevent"
    with pytest.raises(SystemExit):
        call_command("serve", "--port", "24999")
    web = web_command(started)
    command = " ".join(web.command)
    assert "--worker-class gevent --worker-connections 200" in command
    assert "--threads" not in command
    assert web.env["GUNICORN_WORKER_CLASS"] == "gevent"


def test_threads_when_asked(started):
    with pytest.raises(SystemExit):
        call_command("serve", "--port", "24999", "--worker-class", "gthread", "--threads", "8")
    web = web_command(started)
    assert "--worker-class gthread --threads 8" in " ".join(web.command)
    assert web.env["GUNICORN_WORKER_CLASS"] == "gthread"
