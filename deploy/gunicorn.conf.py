"""gunicorn settings of the web process: `gunicorn -c deploy/gunicorn.conf.py loyalty_bff.wsgi`.

Everything an operator tunes comes from the environment (see README "Deploying"):

    PORT / GUNICORN_BIND        where to listen (default 127.0.0.1:8000; nginx is the only thing in front)
    WEB_CONCURRENCY             worker processes (default 2; about one per core)
    GUNICORN_WORKER_CLASS       gevent (default: requests mostly wait on SessionM, and green workers keep
                                hundreds of those waits in flight per core; chosen by bench/screens.py's
                                latency-cap run) or gthread
    GUNICORN_WORKER_CONNECTIONS requests in flight per gevent worker (default 200)
    GUNICORN_THREADS            threads per gthread worker (default 4)
    GUNICORN_TIMEOUT            seconds before a stuck worker is killed and replaced (default 30)
    GUNICORN_GRACEFUL_TIMEOUT   seconds in-flight requests get to finish on SIGTERM/HUP (default 25)
    GUNICORN_KEEPALIVE          seconds an idle keep-alive connection from nginx stays open (default 75,
                                longer than nginx's upstream keepalive_timeout so nginx closes first)
    GUNICORN_MAX_REQUESTS       recycle a worker after this many requests (default 0: never)
    GUNICORN_REUSE_PORT         a listening socket per worker, new connections spread by the kernel (default
                                true; see below)
    FORWARDED_ALLOW_IPS         proxies whose X-Forwarded-Proto gunicorn believes (default 127.0.0.1)
    GUNICORN_ACCESS_LOG         "-" (stdout, the default with LOG_FORMAT=plain), a path, or "" for none
                                (the default with LOG_FORMAT=json: the app logs each request itself)
    PROMETHEUS_MULTIPROC_DIR    the instance's metrics directory, shared with its worker and scheduler
"""

import os
import shutil
import socket
import sys
import tempfile


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", 2)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "gevent"
if worker_class == "gthread":
    threads = _int("GUNICORN_THREADS", 4)
else:
    worker_connections = _int("GUNICORN_WORKER_CONNECTIONS", 200)
# Each worker listens on a socket of its own (SO_REUSEPORT), and the kernel spreads new connections across them
# evenly. With one shared socket, whichever worker happened to be on a core took a burst of new connections, and a
# worker keeps the (kept-alive) connections it accepted: bench/screens.py's latency-cap run saw 64 connections
# split 0.20 + 0.78 cores between two workers, so one queued while the other idled. Set GUNICORN_REUSE_PORT=false
# where another server might share the port by the same trick (it must run as the same user), or on kernels that
# reset the connections still queued at a worker that exits (net.ipv4.tcp_migrate_req moves them, Linux 5.14+).
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "true").lower() not in ("0", "false", "no", "off")
# No preload_app: gevent must patch each worker before Django and psycopg are imported (psycopg picks its
# cooperative wait at import), and the settings read the same variables to size their pools.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _int("GUNICORN_KEEPALIVE", 75)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
wsgi_app = "loyalty_bff.wsgi"
proc_name = "loyalty-bff-web"

_json_logs = os.environ.get("LOG_FORMAT", "plain") == "json"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "" if _json_logs else "-") or None
# The request id is the one the app answered with (apps/api/middleware.py), so this line, the app's logs and
# the client's support ticket all quote the same id. %(U)s is the path without the query string: a query
# string can carry a token.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s "%(a)s"'
errorlog = "-"
if _json_logs:
    # gunicorn's own lines (start, worker timeouts) as JSON objects too, so the log stream stays parseable.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }

# Metrics from several worker processes (apps/ops/metrics.py). Without a directory from the environment
# (a developer's `manage.py serve`), this server gets a private one, removed when it stops.
_private_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _private_metrics_dir = tempfile.mkdtemp(prefix="loyalty-bff-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _private_metrics_dir


def on_starting(server):
    # With a socket per worker, a second server started on the same port by the same user would share it quietly
    # (each taking some of the connections) instead of failing with "address in use": check the port is free.
    # Not when sockets are handed over (a USR2 upgrade's GUNICORN_FD, systemd's LISTEN_FDS).
    if not server.cfg.reuse_port or os.environ.get("GUNICORN_FD") or os.environ.get("LISTEN_FDS"):
        return
    for address in server.cfg.address:
        if not isinstance(address, tuple):
            continue  # a unix socket: gunicorn's own checks apply
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # As gunicorn binds: SO_REUSEADDR lets a port with closing connections (TIME_WAIT) be bound again,
            # while a socket listening there still refuses the probe.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                sys.stderr.write(
                    f"Cannot listen on {address[0]}:{address[1]}: {exc.strerror}. Another server is there: stop it, "
                    "or choose another port (PORT=..., or manage.py serve --port ...).\n"
                )
                sys.exit(1)


def post_worker_init(worker):
    # No `Server: gunicorn` banner: gunicorn has no setting for it, so drop the line from its default headers.
    from gunicorn.http import wsgi

    if not getattr(wsgi.Response, "_loyalty_no_server_header", False):
        default_headers = wsgi.Response.default_headers

        def without_server(self):
            return [line for line in default_headers(self) if not line.lower().startswith("server:")]

        wsgi.Response.default_headers = without_server
        wsgi.Response._loyalty_no_server_header = True


def child_exit(server, worker):
    # A dead worker's live gauges must stop counting; its counters and histograms stay in the totals.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _private_metrics_dir:
        shutil.rmtree(_private_metrics_dir, ignore_errors=True)
