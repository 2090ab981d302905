"""Screen latency: the BFF against the same SessionM calls made directly.

    .venv/bin/python bench/screens.py [--iterations 200] [--latency-ms 0 50] [--database-url URL]

Starts the sandbox as its own server (`manage.py run_sandbox`) and the BFF under gunicorn in production mode
(DJANGO_DEBUG=false, every SESSIONM_*/BRAZE_* variable pointing at the sandbox, a temporary SQLite database
or --database-url), both on free loopback ports. Signs up a customer through the API, then for each screen
and each upstream latency prints the BFF's p50/p99 next to the same upstream calls made directly with the
SessionM client (one after another, or at once where the BFF makes them at once), the upstream calls one
view makes (the sandbox's /_sandbox/stats), and for `home` its latency relative to its slowest upstream
call. Not a test: the figures depend on the machine and what else runs on it. Stops both servers and
deletes its files on the way out.
"""

import argparse
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
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
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apps.sessionm.client import SessionMClient  # noqa: E402 - plain Python: needs no Django settings
from apps.upstream.session import build_session  # noqa: E402

# Targets printed next to the figures.
OVERHEAD_TARGET_MS = 2.0
HOME_RATIO_TARGET = 1.2
HOME_RATIO_LATENCY_MS = 50

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Servers:
    """The sandbox and the BFF as child processes, each in its own process group, stopped on exit."""

    def __init__(self, *, workdir: Path, database_url: str | None):
        self.workdir = workdir
        self.sandbox_url = f"http://127.0.0.1:{free_port()}"
        self.bff_url = f"http://127.0.0.1:{free_port()}"
        self.children: dict[str, subprocess.Popen] = {}
        # Nothing of the caller's configuration leaks in: each process gets exactly what is set here.
        ours = ("DJANGO_", "SESSIONM_", "BRAZE_", "SANDBOX_", "DATABASE_", "CACHE_URL", "THROTTLE_")
        base = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
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
            "SANDBOX_ENABLED": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bff.sqlite3'}",
            "CACHE_URL": "locmemcache://bench",
            "LOG_LEVEL": "WARNING",
            "JWT_ACCESS_MINUTES": "120",
            # One customer makes every request of the benchmark.
            "THROTTLE_CUSTOMER_RATE": "1000000/min",
            "SESSIONM_CORE_URL": f"{self.sandbox_url}/sessionm/core",
            "SESSIONM_CONNECT_URL": f"{self.sandbox_url}/sessionm/connect",
            "SESSIONM_POS_URL": f"{self.sandbox_url}/sessionm/pos",
            "SESSIONM_TIMELINE_VIEW": TIMELINE_VIEW,
            "BRAZE_REST_URL": f"{self.sandbox_url}/braze",
            "BRAZE_WELCOME_CAMPAIGN_ID": "sandbox-welcome-campaign",
            "BRAZE_OFFER_ISSUED_CAMPAIGN_ID": "sandbox-offer-issued-campaign",
            "BRAZE_OFFER_EXPIRING_CAMPAIGN_ID": "sandbox-offer-expiring-campaign",
            "BRAZE_CONNECTED_CONTENT_USERNAME": "braze",
            "BRAZE_CONNECTED_CONTENT_PASSWORD": secrets.token_urlsafe(16),
            "POS_CLIENT_KEY_SECRET": secrets.token_urlsafe(32),
        }

    def start(self) -> None:
        python = sys.executable
        port = self.sandbox_url.rsplit(":", 1)[1]
        self._spawn("sandbox", [python, "manage.py", "run_sandbox", "--port", port], self.sandbox_env)
        self._wait_until_up("sandbox", f"{self.sandbox_url}/_sandbox/stats")
        subprocess.run(  # noqa: S603 - our own manage.py
            [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.bff_env, check=True
        )
        bind = self.bff_url.removeprefix("http://")
        gunicorn = [python, "-m", "gunicorn", "loyalty_bff.wsgi", "--bind", bind, "--workers", "1", "--threads", "8"]
        self._spawn("bff", [*gunicorn, "--log-level", "warning"], self.bff_env)
        self._wait_until_up("bff", f"{self.bff_url}/healthz")

    def _spawn(self, name: str, command: list[str], env: dict) -> None:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        self.children[name] = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def _wait_until_up(self, name: str, url: str, *, seconds: float = 30.0) -> None:
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            if self.children[name].poll() is not None:
                break
            try:
                if requests.get(url, timeout=1).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        log = (self.workdir / f"{name}.log").read_text(errors="replace")[-3000:]
        raise SystemExit(f"The {name} did not start. Its output:\n{log}")

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()

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

    def pos_client_key(self, key_id: str, store_id: str) -> str:
        """A till for the benchmark's purchases (added in the admin in real life); answers its signing key."""
        code = (
            "from apps.loyalty.models import PosClient; "
            f"client, _ = PosClient.objects.get_or_create(key_id={key_id!r}, "
            f"defaults={{'name': 'Bench till', 'allowed_stores': [{store_id!r}]}}); "
            "print(client.signing_key())"
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


def till_purchase(bff_url: str, *, key_id: str, key: str, body: dict) -> requests.Response:
    """A purchase from a till, signed as README "Tills" says (apps/loyalty/pos_auth.py)."""
    path = "/integrations/pos/transactions"
    raw = json.dumps(body).encode()
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    to_sign = "\n".join(["POST", path, timestamp, nonce, hashlib.sha256(raw).hexdigest()]).encode()
    headers = {
        "Content-Type": "application/json",
        "X-POS-Key-Id": key_id,
        "X-POS-Timestamp": timestamp,
        "X-POS-Nonce": nonce,
        "X-POS-Signature": "sha256=" + hmac.new(key.encode(), to_sign, hashlib.sha256).hexdigest(),
    }
    return requests.post(bff_url + path, data=raw, headers=headers, timeout=30)


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


# The walk-through's $18 order, rung up at a till: with "Large Fries on us" joined, it puts an offer in the wallet.
FIRST_SALE = {
    "store_id": "FF-BENCH",
    "lines": [
        {"sku": "FF-PULLED-PORK", "quantity": 1, "unit_price": "10.00"},
        {"sku": "FF-CURLY", "quantity": 1, "unit_price": "8.00"},
    ],
    "payments": [{"type": "CARD", "amount": "18.00"}],
}


@dataclass
class Screen:
    name: str
    method: str | None  # None: no BFF screen, upstream calls only (for comparison)
    path: str
    # Each upstream call of the screen by name, as the BFF makes it.
    calls: dict[str, Callable[[], object]]
    body: dict | None = None
    parallel: bool = False  # the BFF runs `calls` at once, and so does the direct run


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


_direct_pool = ThreadPoolExecutor(max_workers=4)


def measure(
    screen: Screen, *, app: requests.Session, bff_url: str, sandbox_url: str, iterations: int, warmup: int
) -> Result:
    """Time the screen through the BFF and its upstream calls made directly, interleaved view by view so
    that whatever else the machine does weighs on both alike."""

    def view():
        response = app.request(screen.method, f"{bff_url}/api/v1/{screen.path}", json=screen.body, timeout=30)
        if response.status_code >= 400:
            raise SystemExit(f"{screen.method} {screen.path} answered {response.status_code}: {response.text[:300]}")

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
    for _ in range(iterations):
        if bff is not None:
            bff.time(view)
        direct_timings.time(direct)
        for name, timings in parts.items():
            timings.time(screen.calls[name])
    return Result(screen, bff, direct_timings, parts, calls_per_view)


def verdict(ok: bool) -> str:
    return "ok  " if ok else "MISS"


def report(results: list[Result], latency_ms: int) -> None:
    print(f"\n== Upstream latency {latency_ms} ms ({len(results[0].direct.samples)} views per screen)")
    print(
        f"{'screen':<26}{'BFF p50':>9}{'p99':>9}  |{'direct p50':>11}{'p99':>9}  |{'overhead p50':>13}  "
        "| upstream calls per view"
    )
    for result in results:
        direct = result.direct
        if result.bff is None:
            print(f"{result.screen.name:<26}{'-':>9}{'-':>9}  |{direct.p50:>11.2f}{direct.p99:>9.2f}  |{'':>13}  |")
            continue
        bff = result.bff
        calls = ", ".join(f"{route} {count:g}" for route, count in sorted(result.calls_per_view.items()))
        overhead = bff.p50 - direct.p50
        line = f"{result.screen.name:<26}{bff.p50:>9.2f}{bff.p99:>9.2f}  |{direct.p50:>11.2f}{direct.p99:>9.2f}  |"
        one_per_kind = all(count <= 1.0 for count in result.calls_per_view.values())
        if result.screen.parallel:
            slowest_name, slowest = max(((n, t.p50) for n, t in result.parts.items()), key=lambda item: item[1])
            ratio = bff.p50 / slowest
            target = overhead <= OVERHEAD_TARGET_MS
            line += f"{overhead:>+10.2f} ms [{verdict(target) if latency_ms == 0 else 'n/a '}]"
            line += f" | {calls} [{verdict(one_per_kind)}]"
            print(line)
            target = latency_ms < HOME_RATIO_LATENCY_MS or ratio <= HOME_RATIO_TARGET
            print(
                f"{'':<26}home p50 is {ratio:.2f}x its slowest call ({slowest_name}, p50 {slowest:.2f} ms); "
                f"target <= {HOME_RATIO_TARGET}x at {HOME_RATIO_LATENCY_MS} ms "
                f"[{verdict(target) if latency_ms >= HOME_RATIO_LATENCY_MS else 'n/a '}]"
            )
        else:
            target = overhead <= OVERHEAD_TARGET_MS
            line += f"{overhead:>+10.2f} ms [{verdict(target) if latency_ms == 0 else 'n/a '}]"
            print(f"{line} | {calls} [{verdict(one_per_kind)}]")
    print(
        f"Targets: BFF overhead over direct <= {OVERHEAD_TARGET_MS:g} ms at p50 (judged at 0 ms upstream latency); "
        f"home <= {HOME_RATIO_TARGET}x its slowest upstream call at {HOME_RATIO_LATENCY_MS} ms; "
        "one upstream call per data kind."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=200, help="views per screen at 0 ms latency")
    parser.add_argument("--latency-iterations", type=int, default=40, help="views per screen with added latency")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, HOME_RATIO_LATENCY_MS])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: a temporary SQLite")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-screens-"))
    servers = Servers(workdir=workdir, database_url=args.database_url)
    try:
        servers.start()
        engine = servers.bff_env["DATABASE_URL"].split(":", 1)[0]
        print(f"BFF: gunicorn, 1 worker x 8 threads, DJANGO_DEBUG=false, {engine} database; sandbox: run_sandbox.")
        # The "phone" calling the BFF uses the same client as the direct calls, so the two columns differ only
        # by what the BFF adds.
        app = build_session()
        email = f"bench-{secrets.token_hex(4)}@example.com"
        signup = app.post(
            f"{servers.bff_url}/api/v1/auth/signup",
            json={"email": email, "password": "Crispy-Golden-42", "first_name": "Amanda"},
            timeout=30,
        )
        signup.raise_for_status()
        app.headers["Authorization"] = f"Bearer {signup.json()['access']}"
        # Something in every screen: a campaign joined, a purchase, its points and offer.
        campaigns = app.get(f"{servers.bff_url}/api/v1/campaigns", timeout=30).json()["results"]
        large_fries = next(c for c in campaigns if c["name"] == "Large Fries on us")
        app.post(f"{servers.bff_url}/api/v1/campaigns/{large_fries['id']}/opt-in", timeout=30).raise_for_status()
        # Purchases come from tills (a customer cannot report one): the phone shows its member code, the till
        # rings the order up.
        key = servers.pos_client_key("bench-till", FIRST_SALE["store_id"])
        code = app.get(f"{servers.bff_url}/api/v1/me/member-code", timeout=30).json()["code"]
        sale = {**FIRST_SALE, "request_id": f"bench-{uuid.uuid4()}", "member_code": code}
        till_purchase(servers.bff_url, key_id="bench-till", key=key, body=sale).raise_for_status()

        client = sessionm_client(servers.sandbox_url)
        user_id = servers.sessionm_user_id(email)
        all_screens = screens(client, user_id)
        for latency_ms in args.latency_ms:
            requests.put(
                f"{servers.sandbox_url}/_sandbox/faults", json={"latency_ms": latency_ms}, timeout=5
            ).raise_for_status()
            iterations = args.iterations if latency_ms == 0 else args.latency_iterations
            results = [
                measure(
                    screen,
                    app=app,
                    bff_url=servers.bff_url,
                    sandbox_url=servers.sandbox_url,
                    iterations=iterations,
                    warmup=args.warmup,
                )
                for screen in all_screens
            ]
            report(results, latency_ms)
    finally:
        servers.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
