"""The benchmarks' child processes: free loopback ports, an environment without the caller's configuration, and
servers started in their own process group with their output in a log file, waited for and stopped."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

# Every variable the BFF, the sandbox, gunicorn or the Procfile reads: none of the caller's may leak into a
# benchmark's processes, which get exactly what the benchmark sets.
OUR_PREFIXES = (
    "DJANGO_",
    "SESSIONM_",
    "BRAZE_",
    "SANDBOX_",
    "DATABASE_",
    "CACHE_URL",
    "TASKS_",
    "PROMETHEUS_",
    "THROTTLE_",
    "LOG_",
    "METRICS_",
    "NOTIFICATION_",
    "SCHEDULER_",
    "GUNICORN_",
    "WEB_",
    "PORT",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env() -> dict:
    """os.environ without any of our variables (OUR_PREFIXES)."""
    return {key: value for key, value in os.environ.items() if not key.startswith(OUR_PREFIXES)}


@dataclass
class Proc:
    """A child process in its own process group (gunicorn's master and its workers, a Procfile's shell line and
    its command: one signal reaches them all), its output in `log`."""

    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} ({self.log}) ---\n" + self.log.read_text(errors="replace")[-chars:]

    def signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signum)
            except ProcessLookupError:
                pass

    def stop(self, *, seconds: float = 15.0) -> None:
        """SIGTERM, and SIGKILL when it has not exited after `seconds`."""
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait()


def spawn(name: str, argv: list[str] | str, *, workdir: Path, env: dict, shell: bool = False) -> Proc:
    """Start `argv` from the project's root, its output appended to workdir/NAME.log."""
    log = workdir / f"{name}.log"
    with open(log, "ab") as handle:  # the child has its own copy
        popen = subprocess.Popen(  # noqa: S603 - our own commands
            argv,
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            shell=shell,  # noqa: S604 - a Procfile line is a shell command line
        )
    return Proc(name, popen, log)


def wait_for(check: Callable[[], bool], *, what: str, timeout: float = 60.0, process: Proc | None = None) -> None:
    """Until check() is true (a connection error counts as not yet); SystemExit with the process's output when it
    exits first or `timeout` passes."""
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if process is not None and process.popen.poll() is not None:
            raise SystemExit(f"{what}: the process exited ({process.popen.returncode}).\n{process.tail()}")
        try:
            if check():
                return
        except (requests.RequestException, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up in {timeout:.0f} s.\n{process.tail() if process else ''}")


def answers(url: str) -> Callable[[], bool]:
    """A check for wait_for: GET url answers 2xx/3xx."""
    return lambda: requests.get(url, timeout=1).ok
