"""`manage.py run_sandbox`, but keeping HTTP/1.1 connections alive, as SessionM and Braze do.

    .venv/bin/python bench/keepalive_sandbox.py --port PORT [any other run_sandbox option]

The sandbox's own server (wsgiref) answers every request in HTTP/1.0 and closes the connection, so each call
to it opens a new one. In production the BFF's pooled sessions keep their connections to SessionM open, and a
new connection per call (socket, connect, close, a new urllib3 connection object) is CPU the BFF does not
spend there: measured in one process, alternating kept-alive and closed connections to this server, it was
about 0.17 ms of the 0.65 ms of CPU a SessionM call costs the BFF's client.
The benchmarks therefore serve the sandbox this way, for the BFF and for the calls made directly alike, so
the two stay comparable and the BFF's CPU per request is the one production sees. Everything else (the
application, the fault switches, the threads per connection) is run_sandbox's own.
"""

import io
import os
import sys
from pathlib import Path
from wsgiref.simple_server import ServerHandler

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _ServerHandler(ServerHandler):
    http_version = "1.1"

    def cleanup_headers(self):
        super().cleanup_headers()
        # Without a length the body ends where the connection does (wsgiref never chunks); and a connection about
        # to close says so, or the client's pool would send its next call down a closed one.
        if "Content-Length" not in self.headers:
            self.request_handler.close_connection = True
        if self.request_handler.close_connection:
            self.headers["Connection"] = "close"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loyalty_bff.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from apps.sandbox.management.commands import run_sandbox

    class KeepAliveHandler(run_sandbox.QuietHandler):
        protocol_version = "HTTP/1.1"
        # wsgiref writes the head and the body apart: with Nagle on, a kept-alive connection waits for the
        # delayed ACK of the first (40 ms) before it sends the second.
        disable_nagle_algorithm = True

        def handle(self):
            self.close_connection = True
            self.handle_one_request()
            while not self.close_connection:
                self.handle_one_request()

        def handle_one_request(self):
            # wsgiref's WSGIRequestHandler.handle, for one request of a connection that may carry several.
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                self.close_connection = True
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                self.close_connection = True
                return
            # The request's body is read here, whole: what the application leaves unread must not be taken
            # for the connection's next request. A body without a length ends the connection after it.
            stream = self.rfile
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self.close_connection = True
            else:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length, self.close_connection = 0, True
                stream = io.BytesIO(self.rfile.read(length))
            handler = _ServerHandler(stream, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
            handler.request_handler = self
            handler.run(self.server.get_app())

    run_sandbox.QuietHandler = KeepAliveHandler
    call_command("run_sandbox", *sys.argv[1:])


if __name__ == "__main__":
    main()
