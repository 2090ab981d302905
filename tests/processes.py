"""Real processes for the tests that start them: a free loopback port, a throwaway environment on SQLite files
(both databases migrated, as `make run` has them), a server started and waited for until it answers, a
loopback redis-server, and an environment without any of our variables (for settings and checks)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
DATABASES = ("default", "sandbox")
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env() -> dict:
    """os.environ without the project's configuration, so that a test's settings are exactly what it passes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SANDBOX_", "SESSIONM_", "BRAZE_"))}
    env.pop("DATABASE_URL", None)
    env.pop("CACHE_URL", None)
    return env


def sqlite_env(directory: Path, **overrides: str) -> dict:
    """The `make run` defaults on SQLite files in `directory`: debug, the database cache (no CACHE_URL), and no
    sandbox webhook; `overrides` are further variables. Nothing is migrated (see `migrated_env`)."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"sqlite:///{directory / 'sandbox.sqlite3'}",
        "SANDBOX_WEBHOOK_URL": "",
    }
    env.pop("CACHE_URL", None)
    env.update(overrides)
    return env


def migrated_env(directory: Path, **overrides: str) -> dict:
    """`sqlite_env` with both databases migrated."""
    env = sqlite_env(directory, **overrides)
    for database in DATABASES:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--database", database, "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return env


def manage(env: dict, *args: str) -> str:
    """`manage.py ARGS` in env; its standard output (it must succeed)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def cache_hits_from_processes(env: dict, *, hit: str, setup: str = "", processes: int = 2, hits: int = 50) -> str:
    """Run `hit` (a Python statement on `cache`, the default cache) `hits` times on 4 threads in each of
    `processes` processes at once, after `setup` in each; the cache's value of "hits" afterwards, as printed."""
    script = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from django.core.cache import cache\n"
        "from django.db import connections\n"
        f"{setup}\n"
        "def hit(_):\n"
        "    try:\n"
        f"        {hit}\n"
        "    finally:\n"
        "        connections.close_all()\n"
        "with ThreadPoolExecutor(4) as pool:\n"
        f"    list(pool.map(hit, range({hits})))\n"
    )
    running = [
        subprocess.Popen([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env)
        for _ in range(processes)
    ]
    assert [process.wait(timeout=120) for process in running] == [0] * processes
    printed = manage(env, "shell", "-c", "from django.core.cache import cache; print(cache.get('hits'))")
    return printed.strip().splitlines()[-1]


def _output(process: subprocess.Popen) -> str:
    stream = process.stdout or process.stderr
    if stream is None:
        return ""
    data = stream.read()
    return (data.decode(errors="replace") if isinstance(data, bytes) else data)[-2000:]


def wait_until_answers(base: str, process: subprocess.Popen, *, path: str = "/healthz") -> None:
    """Until base + path answers 200; AssertionError with the process's output when it exits first."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}: {_output(process)}")
        try:
            if requests.get(f"{base}{path}", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not come up")


@contextmanager
def serving(
    command: list[str], port: int, env: dict, *, stop_seconds: float = 10, **popen: object
) -> Iterator[subprocess.Popen]:
    """A server process (`command`, listening on `port`) that answers /healthz, stopped on the way out. Its
    output is piped unless `popen` says otherwise; SIGTERM, and SIGKILL after `stop_seconds`."""
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, **popen}
    process = subprocess.Popen(command, cwd=ROOT, env=env, **popen)  # noqa: S603 - our own commands
    try:
        wait_until_answers(f"http://127.0.0.1:{port}", process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=stop_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def gunicorn(port: int, *, workers: int, threads: int) -> list[str]:
    """The BFF under gunicorn on a loopback port."""
    command = [sys.executable, "-m", "gunicorn", "loyalty_bff.wsgi", "--bind", f"127.0.0.1:{port}"]
    return [*command, "--workers", str(workers), "--threads", str(threads)]


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A throwaway redis-server (no persistence) on a free loopback port: its redis:// URL."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen([*command, "--dir", str(directory)], stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        deadline = time.monotonic() + 20
        while not _redis_answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"redis-server on port {port} did not come up")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)
