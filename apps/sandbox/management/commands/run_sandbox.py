"""Serve the sandbox (emulated SessionM and Braze) over HTTP, for load and fault tests against a real socket."""

import signal
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.sandbox import faults
from apps.sandbox.router import SANDBOX_DB
from apps.sandbox.server import UPSTREAM_PREFIXES, standalone_application

from ._switches import add_fault_arguments, describe, fault_values


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per request, so a hanging (fault-injected) call never holds up the others."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


class QuietHandler(WSGIRequestHandler):
    # A line per request would drown the output under load; /_sandbox/stats counts the calls instead.
    def log_message(self, format, *args):
        pass


class Command(BaseCommand):
    help = (
        "Serve the sandbox over HTTP until interrupted. The fault switches are set to exactly the values given "
        "(everything else off); change them while it runs with sandbox_faults or PUT /_sandbox/faults."
    )

    # The sandbox serves none of the BFF's URLs or views: it starts whatever state the BFF's code is in.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=9100, help="0 picks a free port (printed)")
        add_fault_arguments(parser)

    def handle(self, *args, host: str, port: int, **options):
        call_command("migrate", database=SANDBOX_DB, interactive=False, verbosity=0)
        values = fault_values(options)
        try:
            with transaction.atomic(using=SANDBOX_DB):
                faults.clear_faults()
                current = faults.set_faults(upstreams=options["upstream"], **values)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        try:
            server = make_server(
                host, port, standalone_application, server_class=ThreadingWSGIServer, handler_class=QuietHandler
            )
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc

        def stop(signum, frame):
            # shutdown() waits for serve_forever() to return, so it cannot run on the thread serving.
            threading.Thread(target=server.shutdown, daemon=True).start()

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            # Announced inside the try: a Ctrl-C right after the banner still stops cleanly.
            self._announce(host, server.server_address[1], current)
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.server_close()
        self.stdout.write("Sandbox stopped.")

    def _announce(self, host: str, port: int, current: dict[str, faults.Faults]) -> None:
        shown_host = "127.0.0.1" if host in ("", "0.0.0.0") else f"[{host}]" if ":" in host else host  # noqa: S104
        url = f"http://{shown_host}:{port}"
        write = self.stdout.write
        write(f"Sandbox (emulated SessionM and Braze) serving at {url}")
        write("")
        write("Point a development BFF (DJANGO_DEBUG on) at it with:")
        write(f"  SANDBOX_URL={url}")
        write("or, for a BFF with the sandbox off (e.g. DJANGO_DEBUG=false), name every upstream:")
        for variable, upstream in (
            ("SESSIONM_CORE_URL", "sessionm-core"),
            ("SESSIONM_CONNECT_URL", "sessionm-connect"),
            ("SESSIONM_POS_URL", "sessionm-pos"),
            ("BRAZE_REST_URL", "braze"),
        ):
            write(f"  {variable}={url}{UPSTREAM_PREFIXES[upstream]}")
        # The sandbox's own credentials (development values), which the BFF must present.
        for variable in (
            "SESSIONM_API_KEY",
            "SESSIONM_API_SECRET",
            "SESSIONM_CONNECT_KEY",
            "SESSIONM_CONNECT_SECRET",
            "SESSIONM_RETAILER_ID",
            "SESSIONM_POS_KEY",
            "SESSIONM_POS_SECRET",
            "BRAZE_API_KEY",
        ):
            write(f"  {variable}={getattr(settings, variable)}")
        write("")
        write("Fault switches:")
        for line in describe(current):
            write(line)
        write("")
        write("Control: GET /_sandbox/stats, POST /_sandbox/stats/reset, GET and PUT /_sandbox/faults")
        write("Quit with Ctrl-C.")
        self.stdout.flush()
