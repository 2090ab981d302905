"""Command-line options for the fault switches, shared by run_sandbox and sandbox_faults."""

from apps.sandbox import faults


def add_fault_arguments(parser) -> None:
    parser.add_argument(
        "--upstream",
        action="append",
        choices=faults.UPSTREAMS,
        help="the upstream the switches apply to (repeatable; default: every upstream)",
    )
    parser.add_argument("--latency-ms", type=int, help="milliseconds added to every answer")
    parser.add_argument("--error-rate", type=float, help="share of answers that are 500/503 (0-1)")
    parser.add_argument("--timeout-rate", type=float, help="share of calls that hang past the caller's timeout (0-1)")
    parser.add_argument("--rate-limit-rate", type=float, help="share of Braze answers that are 429 (0-1)")
    parser.add_argument(
        "--deferred-rate",
        type=float,
        help="share of Braze answers that are 202 queued, and of Cloud POS answers that are pending processing (0-1)",
    )


def fault_values(options: dict) -> dict:
    """The switch values given on the command line (None: not given)."""
    return {
        name: options[name] for name in ("latency_ms", "error_rate", "timeout_rate", "rate_limit_rate", "deferred_rate")
    }


def describe(current: dict[str, faults.Faults]) -> list[str]:
    lines = []
    for upstream, switch in current.items():
        parts = [f"latency {switch.latency_ms} ms", f"5xx {switch.error_rate:g}", f"timeouts {switch.timeout_rate:g}"]
        if upstream in faults.RATE_LIMITED_UPSTREAMS:
            parts.append(f"429 {switch.rate_limit_rate:g}")
        if upstream in faults.DEFERRED_UPSTREAMS:
            parts.append(f"deferred {switch.deferred_rate:g}")
        lines.append(f"  {upstream:<17} {', '.join(parts)}")
    return lines
