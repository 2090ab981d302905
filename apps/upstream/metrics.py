"""Prometheus series of the vendor calls: latency and errors per upstream and route (the call's label,
e.g. "sessionm user_get"), recorded by `send()` for every attempt, retries included."""

from prometheus_client import Counter, Histogram

UPSTREAM_SECONDS = Histogram(
    "bff_upstream_request_duration_seconds",
    "Time of one HTTP attempt to SessionM or Braze, by route and HTTP status (or transport error).",
    ["upstream", "route", "status"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0),
)
UPSTREAM_ERRORS = Counter(
    "bff_upstream_errors_total",
    "Attempts to SessionM or Braze that failed: timeout, connection error, or an HTTP 4xx/5xx answer.",
    ["upstream", "route", "error"],
)


def upstream_call_observe(label: str, seconds: float, *, status: int | None = None, error: str = "") -> None:
    upstream, _, route = label.partition(" ")
    UPSTREAM_SECONDS.labels(upstream, route or upstream, str(status) if status else error).observe(seconds)
    if error or (status and status >= 400):
        UPSTREAM_ERRORS.labels(upstream, route or upstream, error or f"http_{status}").inc()
