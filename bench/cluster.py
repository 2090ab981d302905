"""The production topology on one machine, under load, with an instance and a worker killed mid-run.

    .venv/bin/python bench/cluster.py              # short mode (under 3 minutes): what CI runs
    .venv/bin/python bench/cluster.py --mode long  # 5 minutes of load, more customers (`make cluster-long`)

Starts, all on loopback ports and in temporary directories: PostgreSQL (initdb + pg_ctl), Redis
(redis-server), the sandbox of SessionM and Braze as its own server (`manage.py run_sandbox`), and from
deploy/Procfile: the release step (migrations), TWO web instances (gunicorn with deploy/gunicorn.conf.py),
TWO task workers and TWO schedulers; nginx in front with deploy/nginx/http.conf and proxy.conf and the
passive health-check parameters of deploy/nginx/loyalty-bff.conf. The BFF processes run as in production
(DJANGO_DEBUG=false, the sandbox reached only over HTTP as if it were SessionM and Braze, Redis as the cache).

Then, through nginx, customers sign up, read home, wallet and the Rewards Store, buy rewards with
Idempotency-Keys, and SessionM's webhook arrives (the sandbox's own, plus signed redeliveries); tills ring up
purchases through the signed intake (see `Till`). Mid-run one web instance and one worker get SIGKILL.

It prints requests and errors per phase (before / during / after the kill: only requests in flight on the
killed instance may fail), p50/p99 latency, 429s counted by both instances for one client address (the
throttle counter is shared through Redis), the same Idempotency-Key sent to both instances at once (one
purchase), every message accounted for (0 lost, 0 doubled) with the time until the last delivery, the
periodic jobs the two schedulers enqueued, and a sample of /metrics. It stops everything it started, and
exits non-zero when a check fails. Not a unit test: tests/test_cluster.py runs the short mode in CI.
"""

import argparse
import concurrent.futures
import itertools
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
sys.path.insert(0, str(ROOT))

from bench.processes import Proc, clean_env, free_port, spawn, wait_for  # noqa: E402

MODES = {
    # CI: a few customers, 45 s of load, the kill after 20 s.
    "short": {"customers": 6, "duration": 45.0, "kill_at": 20.0, "drain": 75.0},
    "long": {"customers": 16, "duration": 300.0, "kill_at": 120.0, "drain": 180.0},
}
# Requests this long after the kill still count as "during" (nginx's passive check settles within it).
DURING_SECONDS = 10.0
PASSWORD = "Crispy-Golden-42"
METRICS_TOKEN = "cluster-metrics-" + uuid.uuid4().hex
WEBHOOK_SECRET = "sandbox-webhook-secret"  # the sandbox's default; it signs its webhook with it
# One client address for the throttle check (nginx forwards it as the last X-Forwarded-For entry).
THROTTLE_CLIENT = "203.0.113.9"
THROTTLE_LOGIN_LIMIT = 10
BRAZE_BATCH = 50  # recipients per trigger call (README "Offer messages")

# Tills ring up purchases through the BFF's signed intake (POST /integrations/pos/transactions) as a POS client
# whose key derives from this secret, the BFF's POS_CLIENT_KEY_SECRET.
POS_KEY_SECRET = "cluster-pos-" + uuid.uuid4().hex
TILL_KEY_ID = "cluster-till"
TILL_STORE = "FF-CLUSTER"


@dataclass
class Cluster:
    """Everything started, in order, so that `stop()` can stop it in reverse."""

    workdir: Path
    procs: list[Proc] = field(default_factory=list)
    cleanups: list = field(default_factory=list)
    ports: dict = field(default_factory=dict)

    def spawn(self, name: str, argv: list[str] | str, *, env: dict, shell: bool = False) -> Proc:
        proc = spawn(name, argv, workdir=self.workdir, env=env, shell=shell)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.signal(signal.SIGTERM)
        ends = time.monotonic() + 15
        for proc in reversed(self.procs):
            try:
                proc.popen.wait(timeout=max(0.1, ends - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.signal(signal.SIGKILL)
                proc.popen.wait()
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                print(f"clean-up failed: {exc}", file=sys.stderr)


# --- The pieces --------------------------------------------------------------------------------------------


def binaries() -> dict:
    """nginx, redis-server and PostgreSQL's bin directory, or SystemExit naming what is missing."""
    pg = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    found = {
        "nginx": shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx"),
        "redis-server": shutil.which("redis-server"),
        "pg_ctl": str(pg[-1]) if pg else shutil.which("pg_ctl"),
    }
    missing = [name for name, path in found.items() if not path]
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (apt-get install nginx redis-server postgresql)")
    return found


def start_postgres(cluster: Cluster, pg_ctl: str) -> str:
    pgbin = Path(pg_ctl).parent
    data = Path(tempfile.mkdtemp(prefix="cluster-pg-"))
    as_root = os.getuid() == 0
    # initdb refuses to run as root: the cluster belongs to the postgres system user (as in .ci/run).
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        postgres = pwd.getpwnam("postgres")
        os.chown(data, postgres.pw_uid, postgres.pw_gid)
    port = free_port()

    def stop_pg():
        subprocess.run(
            [*prefix, str(pgbin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],  # noqa: S603
            capture_output=True,
            check=False,
        )
        shutil.rmtree(data, ignore_errors=True)

    cluster.cleanups.append(stop_pg)
    subprocess.run(  # noqa: S603
        [*prefix, str(pgbin / "initdb"), "-D", str(data), "-U", "loyalty", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = (
        f"-h 127.0.0.1 -p {port} -k {data} -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=300"
    )
    subprocess.run(  # noqa: S603
        [*prefix, str(pgbin / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "start", "-o", options],
        check=True,
        capture_output=True,
    )
    for name in ("loyalty", "loyalty_sandbox"):
        subprocess.run(  # noqa: S603
            [str(pgbin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "loyalty", name],
            check=True,
            capture_output=True,
        )
    cluster.ports["postgres"] = port
    return f"postgres://loyalty@127.0.0.1:{port}"


def start_redis(cluster: Cluster, redis_server: str) -> str:
    port = free_port()
    proc = cluster.spawn(
        "redis",
        [
            redis_server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(cluster.workdir),
        ],
        env=dict(os.environ),
    )

    def ping():
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    wait_for(ping, what="redis-server", process=proc)
    cluster.ports["redis"] = port
    return f"redis://127.0.0.1:{port}/0"


def procfile() -> dict[str, str]:
    lines = (DEPLOY / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def base_env() -> dict:
    env = clean_env()
    # The Procfile says `python` and `gunicorn`: this interpreter's.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def bff_env(*, pg: str, redis_url: str, sandbox: str, webhook_url: str) -> dict:
    """A production BFF (DJANGO_DEBUG=false) whose SessionM and Braze are the sandbox server, over HTTP."""
    return {
        **base_env(),
        "DJANGO_DEBUG": "false",
        "SANDBOX_ENABLED": "false",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{pg}/loyalty",
        "CACHE_URL": redis_url,
        "NUM_PROXIES": "1",
        # This nginx listens on plain HTTP on loopback (no certificate; production's ends TLS, see
        # deploy/nginx/loyalty-bff.conf), and the checks below also call the instances directly: no HTTPS redirect.
        "SECURE_SSL_REDIRECT": "false",
        "METRICS_TOKEN": METRICS_TOKEN,
        "LOG_FORMAT": "json",
        "SESSIONM_CORE_URL": f"{sandbox}/sessionm/core",
        "SESSIONM_CONNECT_URL": f"{sandbox}/sessionm/connect",
        "SESSIONM_POS_URL": f"{sandbox}/sessionm/pos",
        "SESSIONM_API_KEY": "sandbox-core-key",
        "SESSIONM_API_SECRET": "sandbox-core-secret",
        "SESSIONM_CONNECT_KEY": "sandbox-connect-key",
        "SESSIONM_CONNECT_SECRET": "sandbox-connect-secret",
        "SESSIONM_RETAILER_ID": "5f0c1c7e-6a1d-4a55-9d0e-fa1c0ffee001",
        "SESSIONM_POS_KEY": "sandbox-pos-key",
        "SESSIONM_POS_SECRET": "sandbox-pos-secret",
        "SESSIONM_POS_STORE_ID": "FF-ONLINE",
        "SESSIONM_POS_CLIENT_ID": "loyalty-bff",
        "SESSIONM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "POS_CLIENT_KEY_SECRET": POS_KEY_SECRET,
        "BRAZE_REST_URL": f"{sandbox}/braze",
        "BRAZE_API_KEY": "sandbox-braze-key",
        "BRAZE_WELCOME_CAMPAIGN_ID": "sandbox-welcome-campaign",
        "BRAZE_OFFER_ISSUED_CAMPAIGN_ID": "sandbox-offer-issued-campaign",
        "BRAZE_OFFER_EXPIRING_CAMPAIGN_ID": "sandbox-offer-expiring-campaign",
        "BRAZE_PASSWORD_RESET_CAMPAIGN_ID": "sandbox-password-reset-campaign",
        "BRAZE_CONNECTED_CONTENT_USERNAME": "braze",
        "BRAZE_CONNECTED_CONTENT_PASSWORD": "cluster-connected-content",
        # The load is a handful of customers on one address; the throttle check below uses the login rate.
        "THROTTLE_SIGNUP_RATE": "100000/min",
        "THROTTLE_CUSTOMER_RATE": "100000/min",
        "THROTTLE_LOGIN_RATE": f"{THROTTLE_LOGIN_LIMIT}/min",
        # A killed worker's delivery lease (30 s) lapses within the run; the follow-up run its claim scheduled, or
        # the scheduler's delivery sweep, takes the messages over.
        "SCHEDULER_DELIVERY_SWEEP_SECONDS": "5",
        "SCHEDULER_LEASE_SECONDS": "5",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }


def start_sandbox(cluster: Cluster, *, pg: str, webhook_url: str) -> str:
    port = free_port()
    env = {
        **base_env(),
        "DJANGO_DEBUG": "true",
        "SANDBOX_ENABLED": "true",
        "DATABASE_URL": f"sqlite:///{cluster.workdir / 'sandbox-default.sqlite3'}",
        "SANDBOX_DATABASE_URL": f"{pg}/loyalty_sandbox",
        "SANDBOX_WEBHOOK_URL": webhook_url,
        "LOG_LEVEL": "WARNING",
    }
    proc = cluster.spawn("sandbox", [sys.executable, "manage.py", "run_sandbox", "--port", str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: requests.get(f"{url}/_sandbox/stats", timeout=1).ok, what="the sandbox", process=proc)
    return url


def passive_check_parameters() -> str:
    """max_fails/fail_timeout exactly as the deployed site config has them."""
    site = (DEPLOY / "nginx" / "loyalty-bff.conf").read_text()
    match = re.search(r"^\s*server\s+\S+\s+(max_fails=\S+\s+fail_timeout=[^;\s]+);", site, re.MULTILINE)
    if not match:
        raise SystemExit("deploy/nginx/loyalty-bff.conf: no `server ... max_fails=N fail_timeout=T;` line")
    return match.group(1)


def start_nginx(cluster: Cluster, nginx: str, *, port: int, web_ports: list[int]) -> str:
    home = cluster.workdir / "nginx"
    (home / "tmp").mkdir(parents=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} {passive_check_parameters()};" for p in web_ports)
    config = f"""
{"user root;" if os.getuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {home}/tmp/body;
    proxy_temp_path {home}/tmp/proxy;
    fastcgi_temp_path {home}/tmp/fastcgi;
    uwsgi_temp_path {home}/tmp/uwsgi;
    scgi_temp_path {home}/tmp/scgi;
    include {DEPLOY}/nginx/http.conf;
    upstream loyalty_bff {{
{servers}
        keepalive 32;
        keepalive_timeout 60s;
    }}
    server {{
        listen 127.0.0.1:{port};
        access_log {home}/access.log loyalty_bff;
        include {DEPLOY}/nginx/proxy.conf;
    }}
}}
"""
    (home / "nginx.conf").write_text(config)
    check = subprocess.run(  # noqa: S603
        [nginx, "-t", "-q", "-p", str(home), "-c", str(home / "nginx.conf")], capture_output=True, text=True
    )
    if check.returncode:
        raise SystemExit(f"nginx -t failed:\n{check.stderr}")
    proc = cluster.spawn("nginx", [nginx, "-p", str(home), "-c", str(home / "nginx.conf")], env=base_env())
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: requests.get(f"{url}/healthz", timeout=1).ok, what="nginx", process=proc)
    return url


def run_release(cluster: Cluster, env: dict) -> None:
    release = procfile()["release"]
    started = time.monotonic()
    result = subprocess.run(release, shell=True, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S602
    if result.returncode:
        raise SystemExit(f"release ({release.strip()}) failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    print(f"  release: {release.strip()} ({time.monotonic() - started:.1f} s)")


# --- The load ----------------------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the load started
    kind: str
    status: int  # 0: no HTTP answer (connection error, timeout)
    seconds: float
    code: str = ""  # the error envelope's code, for 4xx/5xx


class Recorder:
    def __init__(self):
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.started = time.monotonic()

    def call(self, session: requests.Session, kind: str, method: str, url: str, **kwargs) -> requests.Response | None:
        at = time.monotonic()
        try:
            response = session.request(method, url, timeout=30, **kwargs)
        except requests.RequestException as exc:
            response, failure = None, exc.__class__.__name__
        else:
            failure = ""
        seconds = time.monotonic() - at
        code = failure
        if response is not None and response.status_code >= 400:
            try:
                code = response.json()["error"]["code"]
            except (ValueError, KeyError, TypeError):
                code = "(no envelope)"
        status = response.status_code if response is not None else 0
        sample = Sample(at - self.started, kind, status, seconds, code)
        with self.lock:
            self.samples.append(sample)
        return response


@dataclass
class Customer:
    email: str
    access: str
    external_id: str


@dataclass
class Tally:
    signups: list = field(default_factory=list)  # external ids of 201 signups
    purchases: list = field(default_factory=list)  # user_offer_ids of 201 purchases
    replays: int = 0


class Till:
    """A till of the load: signs each purchase as the README's "Tills" section says and posts it through nginx.
    A purchase that fails in flight (an instance killed under it) is sent again with the same request id, as a
    real till does: the intake makes that one purchase."""

    def __init__(self, base: str):
        from apps.loyalty.models import PosClient

        self.base = base
        self.client, _created = PosClient.objects.update_or_create(
            key_id=TILL_KEY_ID, defaults={"name": "Cluster till", "allowed_stores": [TILL_STORE], "is_active": True}
        )
        self.session = requests.Session()

    def purchase(self, *, external_id: str, dollars: int, attempts: int = 5) -> None:
        from apps.loyalty.pos_auth import pos_signature

        body = json.dumps(
            {
                "request_id": f"cluster-{uuid.uuid4().hex}",
                "store_id": TILL_STORE,
                "external_id": external_id,
                "lines": [{"sku": "FF-PULLED-PORK", "quantity": dollars // 10, "unit_price": "10.00"}],
                "payments": [{"type": "CARD", "amount": f"{dollars:.2f}"}],
            }
        ).encode()
        path = "/integrations/pos/transactions"
        for attempt in range(attempts):
            timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
            signature = pos_signature(
                key=self.client.signing_key(), method="POST", path=path, timestamp=timestamp, nonce=nonce, body=body
            )
            headers = {
                "Content-Type": "application/json",
                "X-POS-Key-Id": TILL_KEY_ID,
                "X-POS-Timestamp": timestamp,
                "X-POS-Nonce": nonce,
                "X-POS-Signature": signature,
            }
            try:
                response = self.session.post(f"{self.base}{path}", data=body, headers=headers, timeout=15)
            except requests.RequestException:
                response = None
            if response is not None and response.status_code == 202:
                return
            if response is not None and response.status_code < 500:
                raise RuntimeError(f"the till's purchase was refused: {response.status_code} {response.text[:300]}")
            time.sleep(0.5 * (attempt + 1))
        raise RuntimeError(f"the till's purchase failed {attempts} times")


def signup(recorder: Recorder, session: requests.Session, base: str, tally: Tally) -> Customer | None:
    email = f"load.{uuid.uuid4().hex[:12]}@example.com"
    body = {"email": email, "password": PASSWORD, "first_name": "Load", "language": "en"}
    response = recorder.call(session, "signup", "POST", f"{base}/api/v1/auth/signup", json=body)
    if response is None or response.status_code != 201:
        return None
    data = response.json()
    with recorder.lock:
        tally.signups.append(data["profile"]["external_id"])
    return Customer(email, data["access"], data["profile"]["external_id"])


def sessionm_user_id(external_id: str) -> str:
    from apps.accounts.models import Customer as CustomerModel

    return CustomerModel.objects.get(external_id=external_id).sessionm_user_id


def webhook_post(recorder: Recorder, session: requests.Session, base: str, event: dict) -> None:
    from apps.messaging.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_signature

    body = json.dumps(event).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_signature(secret=WEBHOOK_SECRET, timestamp=timestamp, body=body),
    }
    recorder.call(session, "webhook", "POST", f"{base}/integrations/sessionm/events", data=body, headers=headers)


def customer_loop(recorder, base, tally, till, stop: threading.Event, seed: int) -> None:
    """One phone: signs up, gets points at the till, then reads its screens and buys rewards until stopped."""
    rng = random.Random(seed)
    session = requests.Session()
    customer = None
    while customer is None and not stop.is_set():
        customer = signup(recorder, session, base, tally)
    if customer is None:
        return
    till.purchase(external_id=customer.external_id, dollars=200)
    headers = {"Authorization": f"Bearer {customer.access}"}
    offer = None
    for round_number in itertools.count():
        if stop.is_set():
            return
        recorder.call(session, "home", "GET", f"{base}/api/v1/home", headers=headers)
        recorder.call(session, "wallet", "GET", f"{base}/api/v1/wallet", headers=headers)
        store = recorder.call(session, "rewards", "GET", f"{base}/api/v1/rewards-store", headers=headers)
        if store is not None and store.status_code == 200:
            payload = store.json()
            items = payload.get("results", payload) if isinstance(payload, dict) else payload
            affordable = [item for item in items if item["affordable"]]
            # The cheapest reward the customer can afford; none once the points are spent.
            offer = min(affordable, key=lambda item: item["price"])["id"] if affordable else None
        if offer and round_number % 3 == 0:
            key = str(uuid.uuid4())
            url = f"{base}/api/v1/rewards-store/{offer}/purchase"
            for _attempt in range(2):  # a phone retries a purchase whose answer it lost, with the same key
                bought = recorder.call(
                    session, "purchase", "POST", url, json={}, headers={**headers, "Idempotency-Key": key}
                )
                if bought is not None and bought.status_code < 500:
                    break
            if bought is not None and bought.status_code == 201:
                with recorder.lock:
                    tally.purchases.append(bought.json()["wallet_item"]["id"])
                    tally.replays += bought.headers.get("Idempotent-Replayed") == "true"
        if round_number % 10 == 5:
            friend = signup(recorder, session, base, tally)  # a friend signs up on this phone, and buys lunch
            if friend is not None:
                customer = friend
                till.purchase(external_id=customer.external_id, dollars=100)
            headers = {"Authorization": f"Bearer {customer.access}"}
        time.sleep(rng.uniform(0.05, 0.25))


def webhook_loop(recorder, base, tally, stop: threading.Event) -> None:
    """SessionM's webhook on top of the sandbox's own: points events, each delivered twice (SessionM retries)."""
    from apps.messaging.webhooks import POINTS_AWARDED

    session = requests.Session()
    while not stop.wait(1.0):
        with recorder.lock:
            known = list(tally.signups)
        if not known:
            continue
        event = {
            "id": f"evt-{uuid.uuid4().hex}",
            "type": POINTS_AWARDED,
            "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "user_id": sessionm_user_id(random.choice(known)),
            "data": {"points": 10},
        }
        webhook_post(recorder, session, base, event)
        webhook_post(recorder, session, base, event)


# --- Checks ------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def throttle_check(web_urls: list[str]) -> dict:
    """One client address, login attempts alternating between the two instances: with the counter in Redis
    the instances together allow exactly the limit."""
    answers = defaultdict(Counter)
    for number in range(THROTTLE_LOGIN_LIMIT * 2):
        url = web_urls[number % 2]
        response = requests.post(
            f"{url}/api/v1/auth/token",
            json={"email": "nobody@example.com", "password": "Wrong-Password-9"},
            headers={"X-Forwarded-For": THROTTLE_CLIENT},
            timeout=10,
        )
        answers[url][response.status_code] += 1
    allowed = sum(counter[401] for counter in answers.values())
    throttled = sum(counter[429] for counter in answers.values())
    return {"answers": answers, "allowed": allowed, "throttled": throttled}


def idempotency_check(base: str, web_urls: list[str], till: Till) -> dict:
    """The same purchase with the same Idempotency-Key sent to both instances at the same instant."""
    tally = Tally()
    recorder = Recorder()
    session = requests.Session()
    customer = signup(recorder, session, base, tally)
    till.purchase(external_id=customer.external_id, dollars=100)
    headers = {"Authorization": f"Bearer {customer.access}"}

    def available() -> int:
        return session.get(f"{base}/api/v1/points", headers=headers, timeout=10).json()["available"]

    wait_for(lambda: available() >= 1000, what="points from the till purchase", timeout=30)
    before = available()
    store = session.get(f"{base}/api/v1/rewards-store", headers=headers, timeout=10).json()
    items = store.get("results", store) if isinstance(store, dict) else store
    offer = min(items, key=lambda item: item["price"])
    key = str(uuid.uuid4())
    barrier = threading.Barrier(2)

    def buy(url):
        barrier.wait()
        response = requests.post(
            f"{url}/api/v1/rewards-store/{offer['id']}/purchase",
            json={},
            headers={**headers, "Idempotency-Key": key, "X-Forwarded-For": "198.51.100.7"},
            timeout=30,
        )
        return response.status_code, response.headers.get("Idempotent-Replayed")

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(buy, web_urls))
    # The loser may have answered 409 (in progress) while the winner ran: its retry gets the stored answer.
    retry = requests.post(
        f"{web_urls[1]}/api/v1/rewards-store/{offer['id']}/purchase",
        json={},
        headers={**headers, "Idempotency-Key": key},
        timeout=30,
    )
    after = available()
    return {
        "answers": answers,
        "retry": (retry.status_code, retry.headers.get("Idempotent-Replayed")),
        "points_spent": before - after,
        "price": offer["price"],
    }


def messages_check(tally: Tally, *, load_ended: float, deadline: float) -> dict:
    """Every welcome (one per signup) and offer-issued message (one per reward bought), as the outbox queued
    them and as the sandbox's Braze received them. Waits until all arrived or the deadline: an offer-issued
    message after a purchase waits up to a minute for SessionM's details (messaging/ledger.py)."""
    from apps.accounts.models import Customer as CustomerModel
    from apps.messaging.models import DeliveryAttempt, Notification, NotificationKind
    from apps.sandbox.models import BrazeMessage

    welcome_target = "sandbox-welcome-campaign"
    offer_target = "sandbox-offer-issued-campaign"
    signed_up = set(tally.signups)
    bought = set(tally.purchases)
    recipients = dict(
        CustomerModel.objects.filter(external_id__in=signed_up).values_list("sessionm_user_id", "external_id")
    )

    def received() -> tuple[dict, datetime | None]:
        copies: dict[str, list[str]] = defaultdict(list)  # message -> the dispatch ids that carried it
        last = None
        rows = BrazeMessage.objects.filter(target_id__in=[welcome_target, offer_target]).values_list(
            "target_id", "recipient", "properties", "dispatch_id", "created_at"
        )
        for target_id, recipient, properties, dispatch_id, created_at in rows:
            if target_id == welcome_target and recipient in recipients:
                copies[f"welcome:{recipient}"].append(dispatch_id)
            elif target_id == offer_target and properties.get("user_offer_id") in bought:
                copies[f"offer:{properties['user_offer_id']}"].append(dispatch_id)
            else:
                continue
            last = max(last, created_at) if last else created_at
        return copies, last

    expected = len(recipients) + len(bought)
    while True:
        copies, last = received()
        if len(copies) >= expected or time.time() > deadline:
            break
        time.sleep(1)
    # A second copy whose dispatch the outbox never recorded was sent by a worker killed before it could
    # record Braze's 2xx; its batch was sent again when the claim was taken over. Braze has no idempotency
    # key (shared/specs/braze.md section 7), so that one in-flight batch is the most a killed worker can double.
    recorded = set(DeliveryAttempt.objects.exclude(dispatch_id="").values_list("dispatch_id", flat=True))
    resent, doubled = 0, 0
    for dispatches in copies.values():
        extra = len(dispatches) - 1
        if extra and sum(1 for d in dispatches if d not in recorded) == extra:
            resent += extra
        else:
            doubled += extra
    queued_offers = {
        key.rsplit(":", 1)[-1]
        for key in Notification.objects.filter(kind=NotificationKind.OFFER_ISSUED).values_list("dedupe_key", flat=True)
    }
    statuses = Counter(Notification.objects.filter(customer__external_id__in=signed_up).values_list("kind", "status"))
    return {
        "expected": expected,
        "delivered": len(copies),
        "lost": expected - len(copies),
        "doubled": doubled,
        "resent_after_kill": resent,
        "not_queued": len(bought - queued_offers) + (len(signed_up) - len(recipients)),
        "statuses": {f"{kind} {status}": n for (kind, status), n in sorted(statuses.items())},
        "last_delivery_after_load": (last.timestamp() - load_ended) if last else None,
    }


def scrape(url: str) -> str:
    response = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    response.raise_for_status()
    return response.text


def metric_sum(text: str, name: str, **labels) -> float:
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def metrics_sample(text: str) -> str:
    wanted = re.compile(
        r"^bff_(http_request_duration_seconds_count\{[^}]*route=\"api:(home|reward-purchase)\""
        r"|http_throttled|upstream_request_duration_seconds_count"
        r"|upstream_errors|outbox|tasks_|scheduler_active|metrics_database_up)"
    )
    return "\n".join(line for line in text.splitlines() if wanted.match(line))


def json_logs_check(paths: list[Path]) -> bool:
    """LOG_FORMAT=json: every line parses; every request line names its request id, route, status, duration."""
    lines = requests_seen = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            lines += 1
            try:
                entry = json.loads(line)
            except ValueError:
                print(f"  not JSON ({path.name}): {line[:160]}")
                return False
            if entry.get("logger") == "loyalty_bff.requests":
                requests_seen += 1
                if not all(entry.get(key) not in (None, "", "-") for key in ("request_id", "route", "status")):
                    print(f"  request line without its fields: {line[:200]}")
                    return False
                if "duration_ms" not in entry:
                    return False
    print(f"\n== JSON logs: {lines} lines of web-2 and worker-2, {requests_seen} request lines, all JSON objects")
    return requests_seen > 0


# --- The run -----------------------------------------------------------------------------------------------


def configure_django(*, pg: str, redis_url: str, sandbox: str) -> None:
    """This process reads both databases (the outbox and the sandbox's Braze) and acts as a till."""
    for key in [key for key in os.environ if key.startswith(("DJANGO_", "SANDBOX_", "DATABASE_", "CACHE_URL"))]:
        del os.environ[key]
    os.environ.update(
        {
            "DJANGO_DEBUG": "true",
            "SANDBOX_ENABLED": "true",
            "DATABASE_URL": f"{pg}/loyalty",
            "SANDBOX_DATABASE_URL": f"{pg}/loyalty_sandbox",
            "SANDBOX_URL": sandbox,
            "SANDBOX_WEBHOOK_URL": "",
            "CACHE_URL": redis_url,
            "LOG_LEVEL": "WARNING",
            "POS_CLIENT_KEY_SECRET": POS_KEY_SECRET,
            "DJANGO_SETTINGS_MODULE": "loyalty_bff.settings",
        }
    )
    import django

    django.setup()


def run(mode: str) -> bool:
    plan = MODES[mode]
    found = binaries()
    workdir = Path(tempfile.mkdtemp(prefix="cluster-"))
    cluster = Cluster(workdir)
    started = time.monotonic()
    checks: dict[str, bool] = {}
    try:
        print(f"cluster ({mode} mode) in {workdir}")
        pg = start_postgres(cluster, found["pg_ctl"])
        print(f"  PostgreSQL on 127.0.0.1:{cluster.ports['postgres']}")
        redis_url = start_redis(cluster, found["redis-server"])
        print(f"  Redis on 127.0.0.1:{cluster.ports['redis']}")
        nginx_port = free_port()
        base = f"http://127.0.0.1:{nginx_port}"
        sandbox = start_sandbox(cluster, pg=pg, webhook_url=f"{base}/integrations/sessionm/events")
        print(f"  sandbox (SessionM + Braze) on {sandbox}")
        env = bff_env(pg=pg, redis_url=redis_url, sandbox=sandbox, webhook_url=base)
        run_release(cluster, env)

        commands = procfile()
        web_ports = [free_port(), free_port()]
        webs, workers = [], []
        for number, port in enumerate(web_ports, start=1):
            metrics_dir = workdir / f"metrics-{number}"
            metrics_dir.mkdir()
            instance = {**env, "PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
            webs.append(cluster.spawn(f"web-{number}", commands["web"].strip(), env=instance, shell=True))
            workers.append(cluster.spawn(f"worker-{number}", commands["worker"].strip(), env=instance, shell=True))
            cluster.spawn(f"scheduler-{number}", commands["scheduler"].strip(), env=instance, shell=True)
        schedulers_started = time.time()
        web_urls = [f"http://127.0.0.1:{port}" for port in web_ports]
        for url, web in zip(web_urls, webs, strict=True):
            wait_for(lambda url=url: requests.get(f"{url}/readyz", timeout=2).ok, what=web.name, process=web)
        print(f"  web instances {', '.join(web_urls)}; 2 workers; 2 schedulers")
        url = start_nginx(cluster, found["nginx"], port=nginx_port, web_ports=web_ports)
        print(f"  nginx on {url}  (set-up took {time.monotonic() - started:.0f} s)")
        configure_django(pg=pg, redis_url=redis_url, sandbox=sandbox)
        till = Till(url)

        banner = requests.get(f"{web_urls[0]}/healthz", timeout=5).headers
        checks["no Server banner from gunicorn"] = "Server" not in banner

        print("\n== throttle: one client address, login attempts alternating between the instances")
        throttle = throttle_check(web_urls)
        for number, instance_url in enumerate(web_urls, start=1):
            counts = throttle["answers"][instance_url]
            print(f"  web-{number}: {counts[401]} allowed (401 wrong password), {counts[429]} throttled (429)")
        print(f"  together: {throttle['allowed']} allowed, limit {THROTTLE_LOGIN_LIMIT}/min")
        seen = [metric_sum(scrape(u), "bff_http_throttled_requests_total") for u in web_urls]
        print(f"  429s in each instance's /metrics: web-1 {seen[0]:.0f}, web-2 {seen[1]:.0f}")
        checks["throttle shared across instances"] = throttle["allowed"] == THROTTLE_LOGIN_LIMIT and seen == [
            float(throttle["answers"][u][429]) for u in web_urls
        ]

        print("\n== one Idempotency-Key, sent to both instances at once")
        idem = idempotency_check(base, web_urls, till)
        print(f"  answers {idem['answers']}, a retry afterwards {idem['retry']}")
        print(f"  points spent {idem['points_spent']} for a reward of {idem['price']} points")
        statuses = sorted(status for status, _ in idem["answers"])
        checks["idempotency: one effect"] = (
            idem["points_spent"] == idem["price"]
            and statuses[0] == 201
            and statuses[1] in (201, 409)
            and idem["retry"] == (201, "true")
        )

        print(
            f"\n== load: {plan['customers']} customers for {plan['duration']:.0f} s through nginx; "
            f"SIGKILL web-1 and worker-1 at {plan['kill_at']:.0f} s"
        )
        recorder = Recorder()
        tally = Tally()
        stop = threading.Event()
        threads = [
            threading.Thread(target=customer_loop, args=(recorder, base, tally, till, stop, seed), daemon=True)
            for seed in range(plan["customers"])
        ]
        threads.append(threading.Thread(target=webhook_loop, args=(recorder, base, tally, stop), daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(plan["kill_at"])
        kill_at = time.monotonic() - recorder.started
        webs[0].signal(signal.SIGKILL)
        workers[0].signal(signal.SIGKILL)
        time.sleep(max(0.0, plan["duration"] - kill_at))
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
        load_ended = time.time()

        def phase(sample: Sample) -> str:
            if sample.at + sample.seconds < kill_at:
                return "before"
            return "during" if sample.at < kill_at + DURING_SECONDS else "after"

        by_phase = defaultdict(list)
        for sample in recorder.samples:
            by_phase[phase(sample)].append(sample)
        print(f"  {'phase':8} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}")
        spans = {"before": kill_at, "during": DURING_SECONDS, "after": plan["duration"] - kill_at - DURING_SECONDS}
        for name in ("before", "during", "after"):
            samples = by_phase[name]
            errors = [s for s in samples if s.status == 0 or s.status >= 500]
            latencies = [s.seconds * 1000 for s in samples]
            print(
                f"  {name:8} {len(samples):9d} {len(errors):7d} {len(samples) / max(spans[name], 1):7.1f} "
                f"{percentile(latencies, 0.5):8.1f} {percentile(latencies, 0.99):8.1f}"
            )
        kinds = Counter((s.kind, s.status, s.code) for s in recorder.samples)
        print("  by kind and status:")
        for (kind, status, code), count in sorted(kinds.items()):
            print(f"    {kind:9} {status:3d} {code:30} {count:6d}")
        all_ms = [s.seconds * 1000 for s in recorder.samples]
        print(
            f"  overall: {len(all_ms)} requests, p50 {percentile(all_ms, 0.5):.1f} ms, "
            f"p99 {percentile(all_ms, 0.99):.1f} ms; {len(tally.signups)} signups, {len(tally.purchases)} "
            f"rewards bought ({tally.replays} answered from an earlier try)"
        )
        errors_before = sum(1 for s in by_phase["before"] if s.status == 0 or s.status >= 500)
        errors_after = sum(1 for s in by_phase["after"] if s.status == 0 or s.status >= 500)
        errors_during = sum(1 for s in by_phase["during"] if s.status == 0 or s.status >= 500)
        checks["no errors before or after the kill"] = errors_before == 0 and errors_after == 0
        # At most the requests that can be in flight on the killed instance: one per customer thread.
        checks["failures only in flight on the killed instance"] = errors_during <= plan["customers"] + 1
        checks["load made purchases and signups"] = len(tally.purchases) > 0 and len(tally.signups) > 0

        print("\n== messages (welcome per signup, offer issued per reward bought)")
        result = messages_check(tally, load_ended=load_ended, deadline=time.time() + plan["drain"])
        last = result["last_delivery_after_load"]
        print(
            f"  expected {result['expected']}, delivered {result['delivered']}, lost {result['lost']}, "
            f"doubled {result['doubled']}, never queued {result['not_queued']}; re-sent because a worker was "
            f"killed mid-call {result['resent_after_kill']} (at most one batch)"
        )
        print(
            f"  outbox statuses {result['statuses']}; the last message reached Braze "
            + (f"{abs(last):.1f} s {'after' if last >= 0 else 'before'} the load ended" if last is not None else "-")
        )
        checks["messages: 0 lost, 0 doubled"] = (
            result["lost"] == 0
            and result["doubled"] == 0
            and result["not_queued"] == 0
            and result["resent_after_kill"] <= BRAZE_BATCH
            and result["expected"] > 0
        )

        print("\n== scheduler (two running): periodic jobs")
        from apps.ops.models import ScheduledJob, SchedulerLease

        for job in ScheduledJob.objects.order_by("name"):
            print(f"  {job.name:26} runs {job.runs:3d}  every {job.interval_seconds:6d} s  last by {job.last_run_by}")
        sweep = ScheduledJob.objects.get(name="deliver_notifications")
        elapsed = time.time() - schedulers_started
        lease = SchedulerLease.objects.get()
        print(f"  lease held by {lease.holder}")
        # Once per period: no more runs than periods elapsed since the first one (+1 for the first).
        checks["scheduler: each job once per period"] = 1 <= sweep.runs <= int(
            elapsed // sweep.interval_seconds
        ) + 1 and all(job.runs == 1 for job in ScheduledJob.objects.exclude(name="deliver_notifications"))

        print("\n== /metrics of web-2 (sample)")
        text = scrape(web_urls[1])
        print("  " + metrics_sample(text).replace("\n", "\n  "))
        throttled_seen = metric_sum(text, "bff_http_throttled_requests_total")
        print(f"  429s counted by web-2: {throttled_seen:.0f}")
        checks["metrics: request, upstream and outbox series"] = all(
            name in text
            for name in (
                "bff_http_request_duration_seconds_bucket",
                "bff_upstream_request_duration_seconds_bucket",
                "bff_outbox_due_messages",
                "bff_outbox_dead_letters",
                "bff_http_throttled_requests_total",
            )
        )
        checks["JSON logs: one object a line, request lines with id, route, status, duration"] = json_logs_check(
            [workdir / "web-2.log", workdir / "worker-2.log"]
        )
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\n== checks ({time.monotonic() - started:.0f} s in all)")
    for name, ok in checks.items():
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return bool(checks) and all(checks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="short")
    args = parser.parse_args()
    # SIGTERM (CI's timeout, Ctrl-C's cousin) stops the cluster through the finally above.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(0 if run(args.mode) else 1)


if __name__ == "__main__":
    main()
