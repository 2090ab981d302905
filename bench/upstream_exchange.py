"""CPU of one SessionM call in the BFF's client: the BFF's pooled session against requests' stock adapter, A/B.

    .venv/bin/python bench/upstream_exchange.py [--calls 400] [--rounds 9]

Starts the sandbox as its own server (kept-alive connections, bench/keepalive_sandbox.py, SessionM at 0 ms) and
a loopback Redis exactly as bench/profile_screens.py does, creates one customer, then calls `get_user` through
the same SessionMClient and apps.upstream.session.send twice over, alternating in rounds in this one process:
  - "stock":  build_session() with requests' own HTTPAdapter mounted for http(s):// (requests' whole exchange);
  - "bff":    build_session() as the BFF builds it (PoolAdapter: apps/upstream/session.py).
It prints the median over rounds of this process's CPU time (time.process_time) per call for each, and their
difference: what the BFF's adapter saves of requests' exchange. Alternating in one process keeps the two
comparable on a shared machine; the sandbox's own CPU is another process's and not counted.

Not a test: a measurement.
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from requests.adapters import HTTPAdapter  # noqa: E402

from apps.upstream.session import build_session  # noqa: E402
from bench.screens import Servers, sessionm_client  # noqa: E402


def stock_session():
    session = build_session()
    adapter = HTTPAdapter(pool_connections=8, pool_maxsize=32, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=400, help="calls per arm and round")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    servers = Servers(workdir=workdir, database_url=None, worker_class="gthread")
    try:
        servers.start_upstreams()
        client = sessionm_client(servers.sandbox_url)
        user_id = client.create_user(external_id=uuid.uuid4().hex, email=f"{uuid.uuid4().hex[:8]}@example.com").id
        arms = {"stock": stock_session(), "bff": build_session()}
        per_call: dict[str, list[float]] = {name: [] for name in arms}
        for session in arms.values():  # warm both pools and code paths
            client._session = session
            for _ in range(50):
                client.get_user(user_id)
        for _ in range(args.rounds):
            for name, session in arms.items():
                client._session = session
                started = time.process_time()
                for _ in range(args.calls):
                    client.get_user(user_id)
                per_call[name].append((time.process_time() - started) * 1000 / args.calls)
        print(f"CPU ms per SessionM get_user call in this process (median of {args.rounds} rounds x {args.calls}):")
        for name, values in per_call.items():
            print(f"  {name:6} {statistics.median(values):.3f} ms  (min {min(values):.3f}, max {max(values):.3f})")
        saved = statistics.median(per_call["stock"]) - statistics.median(per_call["bff"])
        print(f"  the BFF's adapter saves {saved:.3f} ms per call of requests' stock exchange")
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
