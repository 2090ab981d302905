"""SQLite under gunicorn's gevent worker: the process's pool of connections (loyalty_bff/sqlite_pool) against
Django's SQLite backend, which there opens a connection per request that queries.

    .venv/bin/python bench/sqlite_pool.py [--iterations 300] [--rounds 3] [--screens wallet,activity,points]
                                          [--concurrency 16] [--load-seconds 4]

1. In this process, no server: the CPU of one request's database connection, A/B interleaved, on the BFF's
   migrated database. Django's backend opens it (sqlite3.connect, Django's SQL functions, the PRAGMAs, SQLite
   reading the schema), runs one query and closes it; the pool's takes an idle one, runs the query and gives
   it back.
2. Under gevent, as `manage.py serve` runs the BFF: the sandbox as its own server (kept alive, SessionM at
   0 ms), a loopback Redis as the shared cache, and two BFFs under gunicorn with one gevent worker each, on
   the same SQLite database and customer, one with DATABASE_POOL=false (a connection per request) and one with
   the pool. Each screen is called `--iterations` times at c=1 on one, then the other, for `--rounds` rounds;
   then wallet under load (`--concurrency` connections, bench/loadgen.py) on each. Reported: CPU per request
   of each gunicorn worker (its CPU time from /proc over the requests it served), medians of the rounds.

Not a test, and its figures depend on what else the machine runs: compare the two columns of one run.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import load  # noqa: E402
from bench.processes import answers, free_port, spawn, wait_for  # noqa: E402
from bench.screens import (  # noqa: E402
    Servers,
    bench_customer,
    gunicorn_concurrency,
    process_cpu_seconds,
)

VARIANTS = {"a connection per request": "false", "the pool": "true"}
CHUNK = 50  # c=1 requests on one BFF before the other takes its turn


def connection_cost(env: dict, iterations: int, rounds: int) -> dict[str, float]:
    """CPU microseconds per connect + one query + close, per backend (medians of interleaved rounds), on the
    BFF's migrated database (`env`'s DATABASE_URL): a new connection reads its schema (40-odd tables)."""
    os.environ.clear()
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "loyalty_bff.settings"
    import django

    django.setup()
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper as Stock

    from loyalty_bff.sqlite_pool.base import DatabaseWrapper as Pooled

    settings = {**connections["default"].settings_dict, "CONN_MAX_AGE": 0}
    stock = Stock({**settings, "OPTIONS": dict(settings["OPTIONS"])}, alias="bench")
    pooled = Pooled({**settings, "OPTIONS": {**settings["OPTIONS"], "pool": {"max_size": 4}}}, alias="bench")
    samples: dict[str, list[float]] = {"open/close": [], "take/return": []}
    for _ in range(rounds):
        for name, wrapper in (("open/close", stock), ("take/return", pooled)):
            started = time.process_time()
            for _ in range(iterations):
                with wrapper.cursor() as cursor:
                    cursor.execute("SELECT id FROM messaging_walletitem WHERE customer_id = 0")
                wrapper.close()  # what the end of a request does with CONN_MAX_AGE=0
            samples[name].append((time.process_time() - started) * 1e6 / iterations)
    pooled.close_pool()
    return {name: statistics.median(values) for name, values in samples.items()}


def start_bff(servers: Servers, name: str, pool: str) -> str:
    url = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "gunicorn", "loyalty_bff.wsgi", "--bind", url.removeprefix("http://")]
    command += ["--workers", "1", *gunicorn_concurrency("gevent"), "--log-level", "warning"]
    env = {**servers.bff_env, "DATABASE_POOL": pool}
    servers.children[name] = spawn(name, command, workdir=servers.workdir, env=env)
    wait_for(answers(f"{url}/healthz"), what=f"the BFF ({name})", process=servers.children[name])
    return url


def worker_cpu(servers: Servers, name: str) -> float:
    return sum(process_cpu_seconds(pid) for pid in servers.worker_pids(name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--screens", default="wallet,activity,points")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--load-seconds", type=float, default=4.0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-sqlite-pool-"))
    servers = Servers(workdir=workdir, database_url=None, worker_class="gevent")
    if servers.bff_env["DATABASE_URL"].split(":", 1)[0] != "sqlite":
        raise SystemExit("SQLite only")
    try:
        servers.start_upstreams()
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=servers.bff_env, check=True
        )
        print("== In this process: one request's database connection (connect or take, one query, close or return)")
        for name, micros in connection_cost(servers.bff_env, iterations=2000, rounds=args.rounds).items():
            print(f"  {name:<12} {micros:7.1f} us CPU")
        urls = {variant: start_bff(servers, variant, pool) for variant, pool in VARIANTS.items()}
        # An offer in the wallet and the activity log: the log names it from the ledger (one query a view; a wallet
        # read compares the ledger once, then remembers it found it in line: apps/messaging/ledger.py).
        app, token, _user_id = bench_customer(servers, urls["the pool"])

        def get(url: str) -> None:
            response = app.get(url, timeout=30)
            if response.status_code >= 400:
                raise SystemExit(f"GET {url} answered {response.status_code}: {response.text[:300]}")

        print(
            f"\n== gunicorn, 1 gevent worker per BFF, DJANGO_DEBUG=false, SQLite, Redis cache; sandbox at 0 ms, kept "
            f"alive.\n   c=1: {args.iterations} requests per screen per round on each BFF, alternating every "
            f"{CHUNK}; worker CPU ms per request (median of {args.rounds} rounds)"
        )
        cpu: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for screen in args.screens.split(","):
                spent = dict.fromkeys(urls, 0.0)
                for base in urls.values():
                    for _ in range(args.warmup):
                        get(f"{base}/api/v1/{screen}")
                # Small alternating chunks: a change in the machine's load weighs on both BFFs alike.
                for _ in range(args.iterations // CHUNK):
                    for variant, base in urls.items():
                        before = worker_cpu(servers, variant)
                        for _ in range(CHUNK):
                            get(f"{base}/api/v1/{screen}")
                        spent[variant] += worker_cpu(servers, variant) - before
                for variant in urls:
                    cpu.setdefault((screen, variant), []).append(
                        spent[variant] * 1000 / (args.iterations // CHUNK * CHUNK)
                    )
        print(f"  {'':<10}" + "".join(f"{variant:>28}" for variant in urls))
        for screen in args.screens.split(","):
            figures = [statistics.median(cpu[(screen, variant)]) for variant in urls]
            print(f"  {screen:<10}" + "".join(f"{ms:>28.2f}" for ms in figures))

        print(f"\n== GET /api/v1/wallet at c={args.concurrency}, {args.load_seconds:g} s on each BFF per round")
        loaded: dict[str, list[tuple[float, float, float]]] = {}
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(args.rounds):
            for variant, base in urls.items():
                url = f"{base}/api/v1/wallet"
                load(url, headers=headers, concurrency=args.concurrency, seconds=1.0, warmup=0.0)  # warm-up
                # No warm-up inside the measured run: the worker's CPU is divided by every request it served.
                before = worker_cpu(servers, variant)
                result = load(url, headers=headers, concurrency=args.concurrency, seconds=args.load_seconds, warmup=0.0)
                if result.errors:
                    raise SystemExit(f"{variant}: {result.errors} failed requests under load")
                ms = (worker_cpu(servers, variant) - before) * 1000 / result.requests
                loaded.setdefault(variant, []).append((ms, result.rate, result.p99))
        for variant, results in loaded.items():
            ms, rate, p99 = (statistics.median(values) for values in zip(*results, strict=True))
            print(f"  {variant:<26} CPU {ms:5.2f} ms/request, {rate:6.1f} req/s, p99 {p99:6.1f} ms")
    finally:
        servers.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
