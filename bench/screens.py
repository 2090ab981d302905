"""Screens: what the BFF adds to SessionM, side by side with the same baselines, and PASS/MISS per target.

    .venv/bin/python bench/screens.py [--quick] [--repeats 3] [--worker-class gevent|gthread] [--database-url URL]

Starts, on free loopback ports: the sandbox as its own server (`manage.py run_sandbox` keeping HTTP/1.1
connections alive as SessionM does, bench/keepalive_sandbox.py; the BFF and the direct calls alike), the BFF under
gunicorn in production mode (DJANGO_DEBUG=false, every SESSIONM_*/BRAZE_* variable pointing at the sandbox,
a temporary SQLite database or --database-url; 1 worker of the class `manage.py serve` uses), and the
bare-Django baseline (bench/bare_django.py: one JSON view under the same gunicorn). Then, repeated
`--repeats` times with the runs interleaved, it measures and reports the median of each figure:

- at c=1 with SessionM at 0 ms: each screen's p50/p99 through the BFF next to the same SessionM calls made
  directly (interleaved view by view), the bare Django view and /healthz, and CPU per request of the
  gunicorn worker (its CPU time from /proc over the requests it served);
- home with SessionM at 50 and 200 ms against its slowest call, and against its three calls made at once;
- the latency-cap run: one instance as `manage.py serve` runs it, GET /api/v1/wallet at c=16 with SessionM
  at 0 ms, then at c=64 with SessionM at 50 ms (bench/loadgen.py);
- Braze Connected Content at c=1 with SessionM at 100 ms.

Not a test: the figures depend on the machine and what else runs on it. `--quick` (about 2 minutes) is for a
first look; the default takes about 8. Stops every server and deletes its files on the way out.
`make bench-delivery` covers the outbox (10,000 reminders).
"""

import argparse
import base64
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.sessionm.client import SessionMClient  # noqa: E402 - plain Python: needs no Django settings
from apps.sessionm.types import TransactionLine, TransactionPayment, lines_subtotal  # noqa: E402
from apps.upstream.session import build_session  # noqa: E402
from bench.loadgen import load  # noqa: E402
from bench.processes import Proc, answers, clean_env, free_port, spawn, wait_for  # noqa: E402

# The targets (issue 14), judged on the medians of the repeats.
OVERHEAD_P50_MS = 1.0  # BFF minus the same call made directly, c=1, SessionM at 0 ms
OVERHEAD_P99_MS = 2.5
CPU_MS_PER_REQUEST = 1.2  # in the BFF worker, per proxied request
CPU_RATIO_TO_BARE = 4.0  # the same target as a multiple of the bare Django view's CPU per request
PROXIED = ("points", "wallet", "rewards-store", "campaigns", "activity")
HOME_RATIO_P50 = 1.1  # home / its slowest call, at each of HOME_LATENCIES_MS
HOME_RATIO_P99 = 1.2
HOME_LATENCIES_MS = (50, 200)
HOME_ABOVE_PARALLEL_MS = 2.0  # home minus its three calls made at once directly (0 ms)
CAP_RATIO = 0.8  # serve's req/s with SessionM at 50 ms (c=64) / at 0 ms (c=16)
CAP_P99_MS = 150.0
CAP_SCREEN = "wallet"
CONNECTED_CONTENT_LATENCY_MS = 100
CONNECTED_CONTENT_P99_MS = 300.0

# The sandbox checks these; the BFF presents them. Both processes get them explicitly.
CREDENTIALS = {
    "SESSIONM_API_KEY": "bench-core-key",
    "SESSIONM_API_SECRET": "bench-core-secret",
    "SESSIONM_CONNECT_KEY": "bench-connect-key",
    "SESSIONM_CONNECT_SECRET": "bench-connect-secret",
    "SESSIONM_RETAILER_ID": "5f0c1c7e-6a1d-4a55-9d0e-fa1c0ffee001",
    "SESSIONM_POS_KEY": "bench-pos-key",
    "SESSIONM_POS_SECRET": "bench-pos-secret",
    "SESSIONM_POS_STORE_ID": "FF-ONLINE",
    "SESSIONM_POS_CLIENT_ID": "loyalty-bff",
    "SESSIONM_WEBHOOK_SECRET": "bench-webhook-secret",
    "BRAZE_API_KEY": "bench-braze-key",
}
TIMELINE_VIEW = "END_USER_MEMBER_STATEMENT"
CULTURE = "en-US"
PAGE = 20  # the screens' default page size
HOME_WALLET_ITEMS = 3  # apps.loyalty.selectors.HOME_WALLET_ITEMS


def gunicorn_concurrency(worker_class: str) -> list[str]:
    """What `manage.py serve` gives one worker of this class (apps/api/management/commands/serve.py)."""
    if worker_class == "gevent":
        return ["--worker-class", "gevent", "--worker-connections", "200"]
    return ["--worker-class", "gthread", "--threads", "8"]


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a whole process, every thread included, even threads that have ended
    (/proc/PID/stat; /proc/PID/schedstat would count the main thread only). Resolution: one clock tick."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _clock_ticks()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(entry.name))
    return found


def web_worker_pids(serve_pid: int) -> list[int]:
    """The gunicorn workers of a `manage.py serve`: the children of its child that runs gunicorn."""
    for child in children_of(serve_pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in command:
            return sorted(children_of(child))
    return []


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and every descendant still running."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += process_cpu_seconds(current)
        except OSError:
            continue
        pending.extend(children_of(current))
    return total


class Servers:
    """The sandbox, the BFF and the bare-Django baseline as child processes, each in its own process group."""

    def __init__(self, *, workdir: Path, database_url: str | None, worker_class: str, sandbox_keepalive: bool = True):
        self.workdir = workdir
        # The sandbox keeps connections alive as SessionM does (bench/keepalive_sandbox.py says why); False serves
        # it exactly as `manage.py run_sandbox` does (a new connection per call).
        self.sandbox_keepalive = sandbox_keepalive
        self.worker_class = worker_class
        self.sandbox_url = f"http://127.0.0.1:{free_port()}"
        self.bff_url = f"http://127.0.0.1:{free_port()}"
        self.bare_url = f"http://127.0.0.1:{free_port()}"
        self.children: dict[str, Proc] = {}
        self.redis_port = free_port()
        # Nothing of the caller's configuration leaks in: each process gets exactly what is set here.
        base = clean_env()
        self.sandbox_env = {
            **base,
            **CREDENTIALS,
            "DJANGO_DEBUG": "true",
            "SANDBOX_ENABLED": "true",
            "DATABASE_URL": f"sqlite:///{workdir / 'sandbox-default.sqlite3'}",
            "SANDBOX_DATABASE_URL": f"sqlite:///{workdir / 'sandbox.sqlite3'}",
            "LOG_LEVEL": "WARNING",
        }
        self.bff_env = {
            **base,
            **CREDENTIALS,
            "DJANGO_DEBUG": "false",
            # Plain HTTP on loopback: no TLS terminates in front of these instances, so no redirect to HTTPS.
            "SECURE_SSL_REDIRECT": "false",
            "SANDBOX_ENABLED": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "POS_CLIENT_KEY_SECRET": secrets.token_urlsafe(32),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bff.sqlite3'}",
            # Production's shared cache (throttles, the API's auth snapshot versions): a loopback Redis.
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "LOG_LEVEL": "WARNING",
            "JWT_ACCESS_MINUTES": "120",
            "GUNICORN_WORKER_CLASS": worker_class,
            # One customer makes every request of the benchmark.
            "THROTTLE_CUSTOMER_RATE": "100000000/min",
            "SESSIONM_CORE_URL": f"{self.sandbox_url}/sessionm/core",
            "SESSIONM_CONNECT_URL": f"{self.sandbox_url}/sessionm/connect",
            "SESSIONM_POS_URL": f"{self.sandbox_url}/sessionm/pos",
            "SESSIONM_TIMELINE_VIEW": TIMELINE_VIEW,
            "BRAZE_REST_URL": f"{self.sandbox_url}/braze",
            "BRAZE_WELCOME_CAMPAIGN_ID": "sandbox-welcome-campaign",
            "BRAZE_OFFER_ISSUED_CAMPAIGN_ID": "sandbox-offer-issued-campaign",
            "BRAZE_OFFER_EXPIRING_CAMPAIGN_ID": "sandbox-offer-expiring-campaign",
            "BRAZE_PASSWORD_RESET_CAMPAIGN_ID": "sandbox-password-reset-campaign",
            "BRAZE_CONNECTED_CONTENT_USERNAME": "braze",
            "BRAZE_CONNECTED_CONTENT_PASSWORD": secrets.token_urlsafe(16),
        }

    def start(self) -> None:
        python = sys.executable
        self.start_upstreams()
        subprocess.run(  # noqa: S603 - our own manage.py
            [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.bff_env, check=True
        )
        one_worker = ["--workers", "1", *gunicorn_concurrency(self.worker_class), "--log-level", "warning"]
        bind = self.bff_url.removeprefix("http://")
        self._spawn("bff", [python, "-m", "gunicorn", "loyalty_bff.wsgi", "--bind", bind, *one_worker], self.bff_env)
        bare = [python, "-m", "gunicorn", "--pythonpath", "bench", "bare_django:application"]
        self._spawn("bare", [*bare, "--bind", self.bare_url.removeprefix("http://"), *one_worker], self.bff_env)
        self._wait_until_up("bff", f"{self.bff_url}/healthz")
        self._wait_until_up("bare", f"{self.bare_url}/ping")

    def start_upstreams(self) -> None:
        """The BFF's shared cache (a loopback Redis) and the sandbox (bench/profile_screens.py uses these alone)."""
        python = sys.executable
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise SystemExit("bench/screens.py runs the BFF as production does, on Redis: apt-get install redis-server")
        redis = [
            redis_server,
            "--port",
            str(self.redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self._spawn("redis", [*redis, "--dir", str(self.workdir)], dict(os.environ))
        self._wait_until_listening("redis", self.redis_port)
        port = self.sandbox_url.rsplit(":", 1)[1]
        sandbox = ["bench/keepalive_sandbox.py"] if self.sandbox_keepalive else ["manage.py", "run_sandbox"]
        self._spawn("sandbox", [python, *sandbox, "--port", port], self.sandbox_env)
        self._wait_until_up("sandbox", f"{self.sandbox_url}/_sandbox/stats")

    def start_serve(self, worker_class: str | None) -> str:
        """One instance as `manage.py serve` runs it (its default workers and worker class unless one is
        named), web + task worker."""
        url = f"http://127.0.0.1:{free_port()}"
        host, port = url.removeprefix("http://").split(":")
        command = [sys.executable, "manage.py", "serve", "--host", host, "--port", port]
        env = {key: value for key, value in self.bff_env.items() if key != "GUNICORN_WORKER_CLASS"}
        if worker_class:
            env["GUNICORN_WORKER_CLASS"] = worker_class
        self._spawn("serve", command, env)
        self._wait_until_up("serve", f"{url}/healthz")
        return url

    def stop_one(self, name: str) -> None:
        self.children.pop(name).stop()

    def worker_pids(self, name: str) -> list[int]:
        return children_of(self.children[name].popen.pid)

    def _spawn(self, name: str, command: list[str], env: dict) -> None:
        self.children[name] = spawn(name, command, workdir=self.workdir, env=env)

    def _wait_until_up(self, name: str, url: str) -> None:
        wait_for(answers(url), what=f"the {name}", process=self.children[name])

    def _wait_until_listening(self, name: str, port: int) -> None:
        def listening() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True

        wait_for(listening, what=f"the {name}", timeout=20, process=self.children[name])

    def stop(self) -> None:
        for name in list(self.children):
            self.stop_one(name)

    def sessionm_user_id(self, email: str) -> str:
        """The customer's SessionM id, which the API never shows: read from the BFF's database."""
        code = (
            "from apps.accounts.models import Customer; "
            f"print(Customer.objects.get(user__username={email.lower()!r}).sessionm_user_id)"
        )
        out = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.bff_env,
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip().splitlines()[-1]


def sessionm_client(sandbox_url: str) -> SessionMClient:
    return SessionMClient(
        core_url=f"{sandbox_url}/sessionm/core",
        connect_url=f"{sandbox_url}/sessionm/connect",
        pos_url=f"{sandbox_url}/sessionm/pos",
        api_key=CREDENTIALS["SESSIONM_API_KEY"],
        api_secret=CREDENTIALS["SESSIONM_API_SECRET"],
        connect_key=CREDENTIALS["SESSIONM_CONNECT_KEY"],
        connect_secret=CREDENTIALS["SESSIONM_CONNECT_SECRET"],
        retailer_id=CREDENTIALS["SESSIONM_RETAILER_ID"],
        pos_key=CREDENTIALS["SESSIONM_POS_KEY"],
        pos_secret=CREDENTIALS["SESSIONM_POS_SECRET"],
        pos_store_id=CREDENTIALS["SESSIONM_POS_STORE_ID"],
        pos_client_id=CREDENTIALS["SESSIONM_POS_CLIENT_ID"],
        external_id_type="fancyfries",
        timeout=(2.0, 5.0),
        retries=0,
        session=build_session(),
    )


# The walk-through's $18 order: with "Large Fries on us" joined, it puts an offer in the wallet. Sent the way a
# till does, to SessionM's Cloud POS (the app itself cannot record purchases).
FIRST_SALE = (("FF-PULLED-PORK", "10.00"), ("FF-CURLY", "8.00"))


def pos_sale(user_id: str, lines=FIRST_SALE) -> dict:
    """send_transaction's arguments for one of each (SKU, price), paid in full in the app."""
    items = [TransactionLine(sku, 1, Decimal(price)) for sku, price in lines]
    return {
        "transaction_id": str(uuid.uuid4()),
        "user_id": user_id,
        "opened_at": datetime.now(UTC),
        "channel": "MOBILE",
        "lines": items,
        "payments": [TransactionPayment("MOBILE", lines_subtotal(items))],
    }


@dataclass
class Screen:
    name: str
    method: str | None  # None: no BFF screen, upstream calls only (for comparison)
    path: str
    # Each upstream call of the screen by name, as the BFF makes it.
    calls: dict[str, Callable[[], object]]
    parallel: bool = False  # the BFF runs `calls` at once, and so does the direct run


def bench_customer(servers: "Servers", bff_url: str) -> tuple[requests.Session, str, str]:
    """A new customer with something in every screen: signed up through the BFF at `bff_url`, a campaign joined,
    a purchase at a till (its points and offer). Returns a session signed in as them (the "phone"), their access
    token and their SessionM user id."""
    app = build_session()
    email = f"bench-{secrets.token_hex(4)}@example.com"
    signup = app.post(
        f"{bff_url}/api/v1/auth/signup",
        json={"email": email, "password": "Crispy-Golden-42", "first_name": "Amanda"},
        timeout=30,
    )
    signup.raise_for_status()
    token = signup.json()["access"]
    app.headers["Authorization"] = f"Bearer {token}"
    campaigns = app.get(f"{bff_url}/api/v1/campaigns", timeout=30).json()["results"]
    large_fries = next(c for c in campaigns if c["name"] == "Large Fries on us")
    app.post(f"{bff_url}/api/v1/campaigns/{large_fries['id']}/opt-in", timeout=30).raise_for_status()
    user_id = servers.sessionm_user_id(email)
    sessionm_client(servers.sandbox_url).send_transaction(
        request_id=str(uuid.uuid4()), **pos_sale(user_id), culture=CULTURE
    )
    return app, token, user_id


def screens(client: SessionMClient, user_id: str) -> list[Screen]:
    store_ids = [store.id for store in client.get_reward_stores(user_id)]
    return [
        Screen(
            "home",
            "GET",
            "home",
            {
                "point_balances_get": lambda: client.get_point_balances(user_id),
                "user_offers_get": lambda: client.get_user_offers(user_id, culture=CULTURE, take=HOME_WALLET_ITEMS),
                "campaigns_eligible": lambda: client.get_eligible_campaigns(user_id),
            },
            parallel=True,
        ),
        Screen("campaigns", "GET", "campaigns", {"campaigns_eligible": lambda: client.get_eligible_campaigns(user_id)}),
        Screen(
            "wallet",
            "GET",
            "wallet",
            {"user_offers_get": lambda: client.get_user_offers(user_id, culture=CULTURE, take=PAGE)},
        ),
        # The catalogue is cached by the BFF (60 s), so a view costs the customer's balance only.
        Screen(
            "rewards-store", "GET", "rewards-store", {"point_balances_get": lambda: client.get_point_balances(user_id)}
        ),
        # What the cache saves: the calls of a Rewards Store view whose catalogue is not cached.
        Screen(
            "rewards-store (no cache)",
            None,
            "",
            {
                "reward_stores_get": lambda: client.get_reward_stores(user_id),
                "reward_store_offers_get": lambda: client.get_reward_store_offers(
                    store_ids, culture=CULTURE, take=PAGE
                ),
                "point_balances_get": lambda: client.get_point_balances(user_id),
            },
        ),
        Screen("points", "GET", "points", {"user_get": lambda: client.get_user(user_id, expand_incentives=True)}),
        Screen(
            "points/history",
            "GET",
            "points/history",
            {"point_audit_logs_get": lambda: client.get_point_audit_log(user_id, take=PAGE)},
        ),
        Screen(
            "activity",
            "GET",
            "activity",
            {"timeline_get": lambda: client.get_timeline(user_id, view=TIMELINE_VIEW, count=PAGE)},
        ),
    ]


@dataclass
class Timings:
    samples: list[float] = field(default_factory=list)

    def time(self, call: Callable[[], object]) -> None:
        started = time.perf_counter()
        call()
        self.samples.append((time.perf_counter() - started) * 1000)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[98]


@dataclass
class Result:
    screen: Screen
    bff: Timings | None
    direct: Timings
    parts: dict[str, Timings]
    calls_per_view: dict[str, float]
    cpu_ms: float | None = None  # BFF worker CPU per view


_direct_pool = ThreadPoolExecutor(max_workers=4)


class Bench:
    def __init__(self, servers: Servers, app: requests.Session):
        self.servers = servers
        self.app = app

    def cpu(self, name: str) -> float:
        return sum(process_cpu_seconds(pid) for pid in self.servers.worker_pids(name))

    def latency(self, ms: int) -> None:
        url = f"{self.servers.sandbox_url}/_sandbox/faults"
        requests.put(url, json={"latency_ms": ms}, timeout=5).raise_for_status()

    def measure(self, screen: Screen, *, iterations: int, warmup: int, count_calls: bool) -> Result:
        """Time the screen through the BFF and its upstream calls made directly, interleaved view by view so
        that whatever else the machine does weighs on both alike."""
        bff_url, sandbox_url = self.servers.bff_url, self.servers.sandbox_url

        def view():
            response = self.app.request(screen.method, f"{bff_url}/api/v1/{screen.path}", timeout=30)
            if response.status_code >= 400:
                raise SystemExit(
                    f"{screen.method} {screen.path} answered {response.status_code}: {response.text[:300]}"
                )

        def direct():
            if screen.parallel:
                for future in [_direct_pool.submit(call) for call in screen.calls.values()]:
                    future.result()
            else:
                for call in screen.calls.values():
                    call()

        calls_per_view = {}
        if screen.method:
            for _ in range(warmup):
                view()
            if count_calls:
                # The upstream calls of BFF views alone, before the direct calls add their own.
                counted = min(iterations, 20)
                requests.post(f"{sandbox_url}/_sandbox/stats/reset", timeout=5).raise_for_status()
                for _ in range(counted):
                    view()
                stats = requests.get(f"{sandbox_url}/_sandbox/stats", timeout=5).json()
                calls_per_view = {route: count / counted for route, count in stats["by_route"].items()}
        for _ in range(warmup):
            direct()

        bff = Timings() if screen.method else None
        direct_timings = Timings()
        parts = {name: Timings() for name in screen.calls} if screen.parallel else {}
        cpu_before = self.cpu("bff")
        for _ in range(iterations):
            if bff is not None:
                bff.time(view)
            direct_timings.time(direct)
            for name, timings in parts.items():
                timings.time(screen.calls[name])
        cpu_ms = (self.cpu("bff") - cpu_before) * 1000 / iterations if bff is not None else None
        return Result(screen, bff, direct_timings, parts, calls_per_view, cpu_ms)

    def baselines(self, *, iterations: int, warmup: int) -> dict[str, tuple[Timings, float]]:
        """The bare Django view and the BFF's /healthz at c=1, interleaved: (timings, CPU ms per request)."""
        targets = {"bare Django view": ("bare", f"{self.servers.bare_url}/ping"), "BFF /healthz": ("bff", None)}
        targets["BFF /healthz"] = ("bff", f"{self.servers.bff_url}/healthz")
        session = build_session()
        timings = {name: Timings() for name in targets}
        cpu = dict.fromkeys(targets, 0.0)
        for _ in range(warmup):
            for _server, url in targets.values():
                session.get(url, timeout=10).raise_for_status()
        for _ in range(iterations):
            for name, (server, url) in targets.items():
                before = self.cpu(server)
                timings[name].time(lambda url=url: session.get(url, timeout=10).raise_for_status())
                cpu[name] += self.cpu(server) - before
        return {name: (timings[name], cpu[name] * 1000 / iterations) for name in targets}

    def connected_content(self, user_id: str, *, iterations: int) -> Timings:
        env = self.servers.bff_env
        credentials = f"{env['BRAZE_CONNECTED_CONTENT_USERNAME']}:{env['BRAZE_CONNECTED_CONTENT_PASSWORD']}"
        headers = {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
        url = f"{self.servers.bff_url}/integrations/braze/wallet/{user_id}"
        session = build_session()
        timings = Timings()
        for _ in range(iterations):
            timings.time(lambda: session.get(url, headers=headers, timeout=10).raise_for_status())
        return timings


def median(values) -> float:
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


class Report:
    def __init__(self):
        self.verdicts: list[tuple[str, bool, str]] = []

    def target(self, name: str, ok: bool, figures: str) -> None:
        self.verdicts.append((name, ok, figures))

    def print_verdicts(self) -> None:
        print("\n== Targets (medians of the repeats)")
        for name, ok, figures in self.verdicts:
            print(f"[{verdict(ok)}] {name}: {figures}")
        missed = sum(1 for _name, ok, _figures in self.verdicts if not ok)
        print(f"{len(self.verdicts) - missed} of {len(self.verdicts)} targets met.")


def report_screens(runs: list[list[Result]], baselines: list[dict], report: Report) -> None:
    print("\n== c=1, SessionM at 0 ms (medians of the repeats; ms)")
    print(
        f"{'':<26}{'p50':>8}{'p99':>8}  |{'direct p50':>11}{'p99':>8}  |{'over p50':>9}{'p99':>8}  |{'CPU/req':>8}"
        "  | upstream calls per view"
    )
    for name in baselines[0]:
        p50 = median(b[name][0].p50 for b in baselines)
        p99 = median(b[name][0].p99 for b in baselines)
        cpu = median(b[name][1] for b in baselines)
        print(f"{name:<26}{p50:>8.2f}{p99:>8.2f}  |{'':>11}{'':>8}  |{'':>9}{'':>8}  |{cpu:>8.2f}  |")
    bare_cpu = median(b["bare Django view"][1] for b in baselines)
    for index, first in enumerate(runs[0]):
        results = [run[index] for run in runs]
        name = first.screen.name
        direct_p50 = median(r.direct.p50 for r in results)
        direct_p99 = median(r.direct.p99 for r in results)
        if first.bff is None:
            print(f"{name:<26}{'-':>8}{'-':>8}  |{direct_p50:>11.2f}{direct_p99:>8.2f}  |")
            continue
        p50 = median(r.bff.p50 for r in results)
        p99 = median(r.bff.p99 for r in results)
        over50 = median(r.bff.p50 - r.direct.p50 for r in results)
        over99 = median(r.bff.p99 - r.direct.p99 for r in results)
        cpu = median(r.cpu_ms for r in results)
        calls = ", ".join(f"{route} {count:g}" for route, count in sorted(first.calls_per_view.items()))
        print(
            f"{name:<26}{p50:>8.2f}{p99:>8.2f}  |{direct_p50:>11.2f}{direct_p99:>8.2f}  |{over50:>+9.2f}{over99:>+8.2f}"
            f"  |{cpu:>8.2f}  | {calls}"
        )
        if name in PROXIED:
            report.target(
                f"{name}: overhead over the direct call (c=1)",
                over50 <= OVERHEAD_P50_MS and over99 <= OVERHEAD_P99_MS,
                f"p50 {over50:+.2f} ms (<= {OVERHEAD_P50_MS}), p99 {over99:+.2f} ms (<= {OVERHEAD_P99_MS})",
            )
            report.target(
                f"{name}: CPU per request in the BFF worker",
                cpu <= CPU_MS_PER_REQUEST,
                # The issue states this target twice: 1.2 ms on its machine, where a bare Django view cost 0.29 ms,
                # i.e. 4x the bare view. The ratio travels between machines; both are printed, the verdict is the ms.
                f"{cpu:.2f} ms (<= {CPU_MS_PER_REQUEST}); {cpu / bare_cpu:.1f}x the bare Django view's {bare_cpu:.2f} "
                f"(<= {CPU_RATIO_TO_BARE:g}x: {'within' if cpu / bare_cpu <= CPU_RATIO_TO_BARE else 'above'})",
            )
        if first.screen.parallel:
            report.target(
                "home: cost above its three calls made at once, directly (0 ms)",
                over50 <= HOME_ABOVE_PARALLEL_MS,
                f"p50 {over50:+.2f} ms (<= {HOME_ABOVE_PARALLEL_MS})",
            )
        if first.calls_per_view:
            report.target(
                f"{name}: one upstream call per data kind",
                all(count <= 1.0 for count in first.calls_per_view.values()),
                calls,
            )


def report_home(latency_ms: int, results: list[Result], report: Report) -> None:
    p50 = median(r.bff.p50 for r in results)
    p99 = median(r.bff.p99 for r in results)
    slowest50 = median(max(t.p50 for t in r.parts.values()) for r in results)
    slowest99 = median(max(t.p99 for t in r.parts.values()) for r in results)
    direct50 = median(r.direct.p50 for r in results)
    print(
        f"\n== home with SessionM at {latency_ms} ms: p50 {p50:.2f} p99 {p99:.2f} ms; slowest of its calls p50 "
        f"{slowest50:.2f} p99 {slowest99:.2f}; its three calls at once, directly, p50 {direct50:.2f}"
    )
    report.target(
        f"home at {latency_ms} ms vs its slowest call",
        p50 / slowest50 <= HOME_RATIO_P50 and p99 / slowest99 <= HOME_RATIO_P99,
        f"p50 {p50 / slowest50:.2f}x (<= {HOME_RATIO_P50}), p99 {p99 / slowest99:.2f}x (<= {HOME_RATIO_P99})",
    )


def main() -> None:  # noqa: C901, PLR0915 - one script, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer views and shorter runs (about 2 minutes)")
    parser.add_argument("--repeats", type=int, help="interleaved repeats, medians reported (default 3, quick 1)")
    parser.add_argument("--iterations", type=int, help="views per screen at 0 ms (default 200, quick 80)")
    parser.add_argument("--latency-iterations", type=int, help="home views per added latency (default 30, quick 12)")
    parser.add_argument("--load-seconds", type=float, help="each latency-cap run (default 10, quick 5)")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--worker-class", choices=("gevent", "gthread"), default="gevent", help="the c=1 BFF's gunicorn worker"
    )
    parser.add_argument("--skip-cap", action="store_true", help="leave out the latency-cap run")
    parser.add_argument("--cap-only", action="store_true", help="only the latency-cap run")
    parser.add_argument(
        "--serve-worker-class", choices=("gevent", "gthread"), help="the latency-cap run's (default: serve's own)"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a temporary SQLite")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    iterations = args.iterations or (80 if args.quick else 200)
    latency_iterations = args.latency_iterations or (12 if args.quick else 30)
    load_seconds = args.load_seconds or (5.0 if args.quick else 10.0)

    workdir = Path(tempfile.mkdtemp(prefix="bench-screens-"))
    servers = Servers(workdir=workdir, database_url=args.database_url, worker_class=args.worker_class)
    report = Report()
    started = time.monotonic()
    try:
        servers.start()
        engine = servers.bff_env["DATABASE_URL"].split(":", 1)[0]
        print(
            f"BFF and bare Django: gunicorn, 1 {args.worker_class} worker, DJANGO_DEBUG=false, {engine} database; "
            f"sandbox: run_sandbox, kept alive. {repeats} repeat(s), {iterations} views per screen."
        )
        # The "phone" calling the BFF uses the same client as the direct calls, so the two columns differ only
        # by what the BFF adds.
        app, token, user_id = bench_customer(servers, servers.bff_url)
        client = sessionm_client(servers.sandbox_url)

        bench = Bench(servers, app)
        all_screens = screens(client, user_id)
        home = all_screens[0]
        runs, baselines, home_runs = [], [], {ms: [] for ms in HOME_LATENCIES_MS}
        for repeat in range(0 if args.cap_only else repeats):
            bench.latency(0)
            baselines.append(bench.baselines(iterations=iterations, warmup=args.warmup))
            runs.append(
                [
                    bench.measure(screen, iterations=iterations, warmup=args.warmup, count_calls=repeat == 0)
                    for screen in all_screens
                ]
            )
            for ms in HOME_LATENCIES_MS:
                bench.latency(ms)
                home_runs[ms].append(bench.measure(home, iterations=latency_iterations, warmup=2, count_calls=False))
            print(f"  repeat {repeat + 1} of {repeats} done ({time.monotonic() - started:.0f} s)", flush=True)
        if not args.cap_only:
            report_screens(runs, baselines, report)
            for ms, results in home_runs.items():
                report_home(ms, results, report)
            connected_content(bench, user_id, iterations=max(40, latency_iterations * 3), report=report)
        if not args.skip_cap:
            latency_cap(servers, bench, token, args.serve_worker_class, repeats, load_seconds, report)
        report.print_verdicts()
        print(f"({time.monotonic() - started:.0f} s; the outbox has its own: make bench-delivery)")
    finally:
        servers.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def connected_content(bench: Bench, user_id: str, *, iterations: int, report: Report) -> None:
    bench.latency(CONNECTED_CONTENT_LATENCY_MS)
    cc = bench.connected_content(user_id, iterations=iterations)
    print(
        f"\n== Braze Connected Content, SessionM at {CONNECTED_CONTENT_LATENCY_MS} ms, c=1: "
        f"p50 {cc.p50:.1f} p99 {cc.p99:.1f} ms"
    )
    report.target(
        f"Connected Content p99 at {CONNECTED_CONTENT_LATENCY_MS} ms",
        cc.p99 <= CONNECTED_CONTENT_P99_MS,
        f"{cc.p99:.1f} ms (<= {CONNECTED_CONTENT_P99_MS:g})",
    )


def latency_cap(servers, bench, token, worker_class, repeats, load_seconds, report) -> None:  # noqa: PLR0913
    serve_url = servers.start_serve(worker_class)
    url = f"{serve_url}/api/v1/{CAP_SCREEN}"
    headers = {"Authorization": f"Bearer {token}"}
    shown = worker_class or "its default worker class"
    print(f"\n== Latency cap: `manage.py serve` ({shown}), GET /api/v1/{CAP_SCREEN}")
    fast, slow = [], []
    serve_pid, sandbox_pid = servers.children["serve"].popen.pid, servers.children["sandbox"].popen.pid

    def run(latency_ms: int, concurrency: int):
        bench.latency(latency_ms)
        web = web_worker_pids(serve_pid)
        before = (time.monotonic(), tree_cpu_seconds(serve_pid), tree_cpu_seconds(sandbox_pid))
        web_before = [process_cpu_seconds(pid) for pid in web]
        result = load(url, headers=headers, concurrency=concurrency, seconds=load_seconds)
        elapsed = time.monotonic() - before[0]
        # Cores each side used: the BFF instance running out of CPU, not of threads, shows here; and each web
        # worker's share, since a worker keeps the connections it accepted (an uneven share is a longer queue).
        result.cores = (
            (tree_cpu_seconds(serve_pid) - before[1]) / elapsed,
            (tree_cpu_seconds(sandbox_pid) - before[2]) / elapsed,
        )
        result.web_cores = [
            (process_cpu_seconds(pid) - cpu) / elapsed for pid, cpu in zip(web, web_before, strict=True)
        ]
        return result

    for _repeat in range(repeats):
        fast.append(run(0, 16))
        slow.append(run(50, 64))
    for label, results in (("SessionM at 0 ms, c=16", fast), ("SessionM at 50 ms, c=64", slow)):
        for result in results:
            bff_cores, sandbox_cores = result.cores
            print(
                f"{label}: {result.rate:7.1f} req/s, p50 {result.p50:6.1f} p99 {result.p99:6.1f} ms, "
                f"{result.errors} errors; cores used: BFF {bff_cores:.2f} (web workers "
                f"{' + '.join(f'{cores:.2f}' for cores in result.web_cores)}), sandbox {sandbox_cores:.2f}"
            )
    rate0, rate50 = median(r.rate for r in fast), median(r.rate for r in slow)
    p99_50 = median(r.p99 for r in slow)
    errors = sum(r.errors for r in fast + slow)
    report.target(
        "upstream latency never caps throughput (serve, 50 ms at c=64 vs 0 ms at c=16)",
        rate50 >= CAP_RATIO * rate0 and p99_50 < CAP_P99_MS and errors == 0,
        f"{rate50:.0f} vs {rate0:.0f} req/s = {rate50 / rate0:.2f}x (>= {CAP_RATIO}), p99 {p99_50:.0f} ms "
        f"(< {CAP_P99_MS:g}), {errors} errors",
    )
    servers.stop_one("serve")


if __name__ == "__main__":
    main()
