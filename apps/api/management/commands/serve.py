"""Serve the product: the web server (gunicorn) and the task worker (db_worker) together, in the foreground.

`make run` ends here. One command so that a developer gets the whole product, and so that stopping it
(Ctrl-C) stops both: a worker left running in the background would keep sending messages nobody watches.

A worker that dies is started again, after a pause that doubles with each quick death (1 s up to 60 s, reset
once a worker has run for a minute): the web keeps serving, and the new worker redelivers what the dead one
held once its lease lapses. If the web server itself exits, everything stops (gunicorn already restarts its own
workers; its master exiting means it cannot serve).
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core.backoff import NO_JITTER, backoff_delay

WORKER_RESTART_MIN = 1.0  # seconds
WORKER_RESTART_MAX = 60.0
WORKER_STABLE_AFTER = 60.0  # a worker that ran this long resets the pause


def worker_restart_pause(quick_deaths: int) -> float:
    """Seconds to wait before starting the worker again after its `quick_deaths`-th death in a row (1 s, 2 s,
    4 s, ... up to 60 s). No jitter: one process pacing its own restarts."""
    return backoff_delay(quick_deaths, base=WORKER_RESTART_MIN, cap=WORKER_RESTART_MAX, jitter=NO_JITTER)


class Command(BaseCommand):
    help = "Run the BFF web server (gunicorn) and the outbox task worker until interrupted."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--workers", type=int, default=settings.WEB_CONCURRENCY, help="gunicorn worker processes (WEB_CONCURRENCY)"
        )
        parser.add_argument(
            "--worker-class",
            choices=("gevent", "gthread"),
            default=settings.GUNICORN_WORKER_CLASS,
            help="gevent: many requests in flight per worker; gthread: --threads at most (GUNICORN_WORKER_CLASS)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.GUNICORN_THREADS,
            help="threads per gthread worker (GUNICORN_THREADS)",
        )
        parser.add_argument(
            "--worker-connections",
            type=int,
            default=settings.GUNICORN_WORKER_CONNECTIONS,
            help="requests in flight per gevent worker (GUNICORN_WORKER_CONNECTIONS)",
        )

    def handle(self, *args, host, port, workers, worker_class, threads, worker_connections, **options):
        python = sys.executable
        bind = f"{host}:{port}"
        if worker_class == "gevent":
            # The BFF mostly waits on SessionM: green workers keep hundreds of those waits in flight per core.
            concurrency = ["--worker-class", "gevent", "--worker-connections", str(worker_connections)]
        else:
            concurrency = ["--worker-class", "gthread", "--threads", str(threads)]
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                # The production settings (deploy/); the options below override its environment defaults.
                "--config",
                str(settings.BASE_DIR / "deploy" / "gunicorn.conf.py"),
                "loyalty_bff.wsgi",
                "--bind",
                bind,
                "--workers",
                str(workers),
                *concurrency,
                "--graceful-timeout",
                "5",
                "--timeout",
                "30",
            ],
            # --no-reload: the reloader would restart the worker mid-delivery on every file save.
            "worker": [python, "manage.py", "db_worker", "--no-reload", "--interval", "1"],
            # The periodic jobs (delivery sweep, clean-ups), as in production (deploy/Procfile).
            "scheduler": [python, "manage.py", "scheduler"],
        }
        # The web process's settings follow the worker class chosen here (database connection reuse).
        environments = {"web": {**os.environ, "GUNICORN_WORKER_CLASS": worker_class}, "worker": None, "scheduler": None}
        children = {name: subprocess.Popen(cmd, env=environments[name]) for name, cmd in commands.items()}  # noqa: S603

        base = f"http://{bind}"
        self.stdout.write(self.style.SUCCESS(f"Fancy Fries loyalty BFF on {base}"))
        self.stdout.write(f"  web wallet        {base}/")
        self.stdout.write(f"  API docs          {base}/api/docs/")
        self.stdout.write(f"  admin (staff)     {base}/admin/")
        if settings.SANDBOX_ENABLED:
            self.stdout.write(f"  sandbox messages  {base}/sandbox/   (emulated SessionM + Braze)")
            self.stdout.write(
                f"  sandbox till      {base}/sandbox/till/   (earn points: ring up a purchase for the member code "
                "a customer's My card shows)"
            )
        self.stdout.write("Press Ctrl-C to stop the web server, the worker and the scheduler.")

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        worker_started = time.monotonic()
        restart_at = None
        quick_deaths = 0  # in a row: each one doubles the pause before the next start
        try:
            while not stopping:
                web, worker = children["web"], children["worker"]
                if web.poll() is not None:
                    self.stderr.write(
                        f"The web process exited with code {web.returncode}; stopping. Its output above says why."
                    )
                    exit_code = web.returncode or 1
                    break
                now = time.monotonic()
                if restart_at is None and worker.poll() is not None:
                    quick_deaths = 1 if now - worker_started >= WORKER_STABLE_AFTER else quick_deaths + 1
                    pause = worker_restart_pause(quick_deaths)
                    self.stderr.write(
                        f"The worker exited with code {worker.returncode}; starting it again in {pause:.0f} s. "
                        "Its output above says why."
                    )
                    restart_at = now + pause
                if restart_at is not None and now >= restart_at:
                    children["worker"] = subprocess.Popen(commands["worker"])  # noqa: S603
                    worker_started, restart_at = now, None
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        if exit_code:
            sys.exit(exit_code)
        self.stdout.write("Stopped.")
