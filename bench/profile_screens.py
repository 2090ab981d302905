"""Where the BFF's own CPU goes on the hottest reads: CPU per request and an in-process profile per screen.

    .venv/bin/python bench/profile_screens.py [--iterations 300] [--profile pyinstrument|cprofile|none]
                                              [--screens points,wallet] [--gevent [--no-database-pool]] [--out DIR]

Starts a loopback Redis and the sandbox as its own server (`manage.py run_sandbox` with kept-alive connections,
bench/keepalive_sandbox.py; --sandbox-http10 for a new connection per call; SessionM at 0 ms), exactly
as bench/screens.py does, then runs the BFF *in this process* with the same production environment
(DJANGO_DEBUG=false, Redis cache, a temporary SQLite database) and calls its WSGI application directly: no
HTTP server, so what is measured is the BFF's request path (middleware, authentication, throttle, DRF, the
view, the SessionM client and its HTTP round trip) and nothing of gunicorn's. `--gevent` patches this process as
gunicorn's gevent worker (`manage.py serve`'s default) patches itself, and runs each request in a greenlet of its
own, as that worker serves a connection that is not kept alive (a kept-alive connection's requests share one
greenlet): what Django and the BFF keep per greenlet is then built again for every request, and shows here. With
SQLite the database connections come from loyalty_bff/sqlite_pool; `--no-database-pool` opens one per request.

For each screen it prints the CPU time of this process per request (time.process_time over `--iterations`
requests), then profiles as many more requests and writes the profile next to it (`--out`, default a temporary
directory printed at the end): pyinstrument's text report (wall time), or cProfile's stats in CPU time, sorted
by cumulative and by own time.

Not a test: a look at the profile, robust to the machine's noise in a way wall-clock latency is not.
"""

import sys

if "--gevent" in sys.argv:
    # As gunicorn's gevent worker does, before anything else is imported (requests, Django, the database drivers).
    from gevent import monkey

    monkey.patch_all()

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.screens import CULTURE, Servers, pos_sale, sessionm_client  # noqa: E402

SCREENS = ("points", "wallet", "rewards-store", "campaigns", "activity", "home", "healthz")


class App:
    """The BFF's WSGI application called directly, as a phone would through gunicorn."""

    def __init__(self, application, *, green: bool = False):
        self.application = application
        self.token = None
        self.green = green

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        if self.green:
            # A greenlet per request, as gunicorn's gevent worker serves a connection not kept alive: Django's
            # per-greenlet state (database connections, cache clients) lives for one request.
            import gevent

            return gevent.spawn(self._call, method, path, body).get()
        return self._call(method, path, body)

    def _call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = b"" if body is None else json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT": "application/json",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
            "CONTENT_LENGTH": str(len(data)),
        }
        if body is not None:
            environ["CONTENT_TYPE"] = "application/json"
        if self.token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        status = []

        def start_response(line, headers, exc_info=None):
            status.append(int(line.split()[0]))

        response = self.application(environ, start_response)
        try:
            content = b"".join(response)
        finally:
            if hasattr(response, "close"):
                response.close()
        return status[0], content

    def get(self, path: str) -> bytes:
        status, content = self.call("GET", path)
        if status >= 400:
            raise SystemExit(f"GET {path} answered {status}: {content[:300]!r}")
        return content


def screen_path(name: str) -> str:
    return "/healthz" if name == "healthz" else f"/api/v1/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--profile", choices=("pyinstrument", "cprofile", "none"), default="pyinstrument")
    parser.add_argument("--screens", default=",".join(SCREENS))
    parser.add_argument(
        "--sandbox-http10",
        action="store_true",
        help="serve the sandbox as run_sandbox does, a new connection per call (default: kept alive, as SessionM)",
    )
    parser.add_argument(
        "--gevent",
        action="store_true",
        help="monkey-patch as gunicorn's gevent worker (serve's default) does, and run each request in a greenlet",
    )
    parser.add_argument(
        "--no-database-pool", action="store_true", help="DATABASE_POOL=false: with --gevent, a connection per request"
    )
    parser.add_argument("--out", help="where the profiles go (default: a new temporary directory)")
    args = parser.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-profile-"))
    out.mkdir(parents=True, exist_ok=True)

    workdir = Path(tempfile.mkdtemp(prefix="bench-profile-run-"))
    servers = Servers(
        workdir=workdir, database_url=None, worker_class="gthread", sandbox_keepalive=not args.sandbox_http10
    )
    try:
        servers.start_upstreams()
        os.environ.clear()
        os.environ.update(servers.bff_env)
        if args.no_database_pool:
            os.environ["DATABASE_POOL"] = "false"
        os.environ["DJANGO_SETTINGS_MODULE"] = "loyalty_bff.settings"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        from django.core.wsgi import get_wsgi_application

        app = App(get_wsgi_application(), green=args.gevent)
        email = f"profile-{uuid.uuid4().hex[:8]}@example.com"
        status, content = app.call(
            "POST", "/api/v1/auth/signup", {"email": email, "password": "Crispy-Golden-42", "first_name": "Amanda"}
        )
        if status != 201:
            raise SystemExit(f"signup answered {status}: {content[:300]!r}")
        app.token = json.loads(content)["access"]
        campaigns = json.loads(app.get("/api/v1/campaigns"))["results"]
        large_fries = next(c for c in campaigns if c["name"] == "Large Fries on us")
        app.call("POST", f"/api/v1/campaigns/{large_fries['id']}/opt-in")
        from apps.accounts.models import Customer

        user_id = Customer.objects.get(user__username=email).sessionm_user_id
        sessionm_client(servers.sandbox_url).send_transaction(
            request_id=str(uuid.uuid4()), **pos_sale(user_id), culture=CULTURE
        )

        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[1]
        green = ", gevent: a greenlet per request" if args.gevent else ""
        print(f"in-process BFF (DJANGO_DEBUG=false, Redis cache, SQLite: {engine}{green}), sandbox over HTTP at 0 ms;")
        print(
            f"{args.iterations} requests per screen after a warm-up. CPU ms per request of this process (BFF + its "
            "SessionM client):"
        )
        for name in args.screens.split(","):
            path = screen_path(name)
            for _ in range(args.warmup):
                app.get(path)
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.iterations):
                app.get(path)
            cpu_ms = (time.process_time() - cpu) * 1000 / args.iterations
            wall_ms = (time.perf_counter() - wall) * 1000 / args.iterations
            line = f"  {name:<14} CPU {cpu_ms:6.2f} ms/request  (wall {wall_ms:6.2f} ms)"
            if args.profile != "none":
                line += f"  profile: {profile(app, path, name, args, out)}"
            print(line, flush=True)
        print(f"profiles in {out}")
    finally:
        servers.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def profile(app: App, path: str, name: str, args, out: Path) -> Path:
    target = out / f"{name.replace('/', '_')}.{args.profile}.txt"
    if args.profile == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(args.iterations):
            app.get(path)
        profiler.stop()
        target.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    else:
        # CPU time, not wall: waiting for SessionM or Redis is not the BFF's CPU.
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.iterations):
            app.get(path)
        profiler.disable()
        profiler.dump_stats(target.with_suffix(".prof"))  # for pstats / snakeviz
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(90)
        stats.sort_stats("tottime").print_stats(50)
        target.write_text(text.getvalue())
    return target


if __name__ == "__main__":
    main()
