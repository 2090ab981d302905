"""`manage.py import_segment_tags`: tag SessionM customers from a Braze segment export (CSV).

Braze's SessionM partner page describes this as the bulk alternative to a webhook campaign: one row per
(customer, tag, ttl), replayed into SessionM Core's tags endpoint one customer per call. A customer's tags
that share a ttl go in one call. Rows are imported at a bounded rate, every row that was not imported is
reported with the reason, and a state file records the rows done so that an interrupted import resumes
without adding a counter tag twice.
"""

import csv
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.sessionm import get_sessionm_client
from apps.sessionm.errors import (
    SessionMAuthError,
    SessionMError,
    SessionMNotFound,
    SessionMRejected,
    SessionMTimeout,
    SessionMUnavailable,
    SessionMValidationError,
)

HELP = """Add SessionM tags from a Braze segment export (CSV with a header row).

Columns (case-insensitive): the customer id (named customer_id, external_user_id, external_id or user_id),
tag, and optionally ttl (seconds; empty = a counter tag that counts +1 per import, else an expiring tag).
The customer id is Braze's external id, which is the SessionM user id, so tags are added through SessionM's
/users/{user_id}/tags route; pass --id-type external_id for an export keyed by the BFF's opaque external id.

A customer's tags with the same ttl are added in one call, at most --rate calls per second. Malformed rows
and refused calls are listed in the --report CSV and never stop the import. The rows done are appended to a
state file (FILE.state by default); after an interruption, run again with --resume to skip them."""

CUSTOMER_COLUMNS = ("customer_id", "external_user_id", "external_id", "user_id")
STATE_HEADER = "# import_segment_tags state v1 sha256="
# Stop when SessionM keeps failing: the rest would fail too, and --resume picks up where the run stopped.
MAX_CONSECUTIVE_TRANSIENT_FAILURES = 10
REPORT_COLUMNS = ["line", "customer_id", "tag", "ttl", "reason"]


@dataclass(frozen=True)
class Row:
    line: int
    customer_id: str
    tag: str
    ttl: int | None


@dataclass(frozen=True)
class Rejected:
    line: int
    customer_id: str
    tag: str
    ttl: str
    reason: str


@dataclass
class Call:
    """One SessionM call: a customer's tags that share a ttl."""

    customer_id: str
    ttl: int | None
    rows: list[Row] = field(default_factory=list)

    @property
    def tags(self) -> list[str]:
        return list(dict.fromkeys(row.tag for row in self.rows))


@dataclass
class Totals:
    rows: int = 0
    malformed: int = 0
    skipped: int = 0
    calls: int = 0
    calls_failed: int = 0
    rows_imported: int = 0
    rows_failed: int = 0


def parse_rate(value: str) -> float:
    """'5', '5/s', '300/m' or '300/min' -> calls per second."""
    number, _, unit = value.strip().partition("/")
    seconds = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60}.get(unit.strip().lower())
    try:
        rate = float(number) / seconds if seconds else 0.0
    except ValueError:
        rate = 0.0
    if not rate > 0:
        raise CommandError(f"--rate must look like 5/s or 300/m and be above zero, not {value!r}.")
    return rate


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _column(header: list[str], names: Iterable[str]) -> int | None:
    normalized = [name.strip().lower().replace(" ", "_").replace("-", "_") for name in header]
    return next((normalized.index(name) for name in names if name in normalized), None)


def read_export(path: Path) -> tuple[list[Row], list[Rejected]]:
    """The well-formed rows and the malformed ones (with why). Raises CommandError only when the file as a
    whole is unusable (missing, not UTF-8, no recognisable header)."""
    rows: list[Row] = []
    malformed: list[Rejected] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise CommandError(f"{path} is empty.")
            id_at, tag_at = _column(header, CUSTOMER_COLUMNS), _column(header, ("tag",))
            ttl_at = _column(header, ("ttl",))
            if id_at is None or tag_at is None:
                raise CommandError(
                    f"{path}: the header must name a customer id column ({', '.join(CUSTOMER_COLUMNS)}) and a tag "
                    f"column; found {header!r}."
                )
            width = len(header)
            for fields in reader:
                if not any(value.strip() for value in fields):
                    continue
                line = reader.line_num
                customer_id = fields[id_at].strip() if id_at < len(fields) else ""
                tag = fields[tag_at].strip() if tag_at < len(fields) else ""
                raw_ttl = fields[ttl_at].strip() if ttl_at is not None and ttl_at < len(fields) else ""
                reason = _malformed_reason(fields, width=width, customer_id=customer_id, tag=tag, raw_ttl=raw_ttl)
                if reason:
                    malformed.append(Rejected(line, customer_id, tag, raw_ttl, reason))
                else:
                    rows.append(Row(line, customer_id, tag, int(raw_ttl) if raw_ttl else None))
    except FileNotFoundError as exc:
        raise CommandError(f"{path} does not exist.") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text (byte {exc.start}).") from exc
    except csv.Error as exc:
        raise CommandError(f"{path} is not a readable CSV file: {exc}.") from exc
    return rows, malformed


def _malformed_reason(fields: list[str], *, width: int, customer_id: str, tag: str, raw_ttl: str) -> str:
    if len(fields) != width:
        return f"malformed: {len(fields)} columns, the header has {width}"
    if not customer_id:
        return "malformed: no customer id"
    if not tag:
        return "malformed: no tag"
    if raw_ttl and not (raw_ttl.isdigit() and int(raw_ttl) > 0):
        return f"malformed: ttl must be a whole number of seconds above zero, not {raw_ttl!r}"
    return ""


def plan_calls(rows: list[Row], *, done: set[int]) -> list[Call]:
    """Group the rows not done yet into calls, in the order customers first appear in the file."""
    calls: dict[tuple[str, int | None], Call] = {}
    for row in rows:
        if row.line not in done:
            calls.setdefault((row.customer_id, row.ttl), Call(row.customer_id, row.ttl)).rows.append(row)
    return list(calls.values())


class StateFile:
    """The data lines already imported, appended as each call succeeds. Its header pins the export's digest
    so a state file is never applied to another file."""

    def __init__(self, path: Path, *, digest: str, resume: bool):
        self.path = path
        self.done: set[int] = set()
        if path.exists() and not resume:
            raise CommandError(
                f"{path} exists from an earlier run: pass --resume to skip the rows it lists, or delete it to "
                "import everything again (counter tags would then count twice)."
            )
        if resume and path.exists():
            self.done = self._read(digest)
            self._handle = path.open("a", encoding="utf-8")
        else:
            self._handle = path.open("w", encoding="utf-8")
            self._handle.write(f"{STATE_HEADER}{digest}\n")
            self._handle.flush()

    def _read(self, digest: str) -> set[int]:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        if not lines or lines[0] != f"{STATE_HEADER}{digest}":
            raise CommandError(f"{self.path} belongs to another export (or another version of it); not resuming.")
        # A crash can cut the last line short: whatever does not parse was not recorded as done.
        return {int(line) for line in lines[1:] if line.strip().isdigit()}

    def record(self, lines: Iterable[int]) -> None:
        self._handle.write("".join(f"{line}\n" for line in lines))
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class Pacer:
    """Spaces calls at least 1/rate seconds apart."""

    def __init__(self, rate: float, *, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self._next_at: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self._next_at is not None and now < self._next_at:
            self.sleep(self._next_at - now)
            now = self._next_at
        self._next_at = now + self.interval


class Progress:
    """A bar updated in place on a terminal; otherwise (logs, CI) a line per tenth of the work, and at least
    every PERIOD seconds so that a long import still shows it is alive."""

    WIDTH = 30
    PERIOD = 30.0

    def __init__(self, stream, *, total: int, interactive: bool, clock: Callable[[], float]):
        self.stream = stream
        self.total = total
        self.interactive = interactive
        self.clock = clock
        self._last_tenth = 0
        self._last_line_at = clock()

    def update(self, done: int, failed: int) -> None:
        share = done / self.total if self.total else 1.0
        text = f"{done}/{self.total} calls ({share:.0%}), {failed} failed"
        if self.interactive:
            filled = int(share * self.WIDTH)
            self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {text}", ending="")
            self.stream.flush()
            return
        tenth, now = int(share * 10), self.clock()
        if tenth > self._last_tenth or now - self._last_line_at >= self.PERIOD or done == self.total:
            self._last_tenth, self._last_line_at = tenth, now
            self.stream.write(f"progress: {text}")

    def finish(self) -> None:
        if self.interactive:
            self.stream.write("")


def _failure(exc: SessionMError, call: Call) -> tuple[str, bool]:
    """Why a call failed, and whether the rows count as done (not to be sent again on --resume)."""
    if isinstance(exc, SessionMNotFound):
        return "customer not found in SessionM", False
    if isinstance(exc, SessionMValidationError):
        fields = "; ".join(f"{name}: {message}" for name, message in exc.field_errors.items())
        return f"SessionM refused the tags ({exc.code}{': ' + fields if fields else ''})", False
    if isinstance(exc, SessionMRejected):
        return f"SessionM refused the tags ({exc.code})", False
    if isinstance(exc, SessionMTimeout) and call.ttl is None:
        # The tags may have been added before the answer was lost; sending counter tags again could count
        # them twice, so these rows are left for a person to check rather than retried.
        return "SessionM timed out; counter tags may have been added: check before importing these rows again", True
    if isinstance(exc, SessionMTimeout | SessionMUnavailable):
        return f"SessionM unavailable ({exc.__class__.__name__}); run again with --resume to retry", False
    return f"SessionM answered something unusable ({exc.__class__.__name__}); run again with --resume to retry", False


class Command(BaseCommand):
    help = HELP
    # Seams for tests: the pacing clock and sleep.
    clock: Callable[[], float] = staticmethod(time.monotonic)
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The Braze segment export (CSV).")
        parser.add_argument("--rate", default="5/s", help="Calls to SessionM per second: N/s or N/m (default 5/s).")
        parser.add_argument("--report", type=Path, help="Write the rows not imported, and why, to this CSV file.")
        parser.add_argument("--resume", action="store_true", help="Skip the rows the state file records as done.")
        parser.add_argument("--state", type=Path, help="The state file (default: FILE.state).")
        parser.add_argument(
            "--id-type",
            choices=["user_id", "external_id"],
            default="user_id",
            help="What the customer id column holds: the SessionM user id (Braze external id; default) or the "
            "BFF's external id.",
        )

    def handle(self, *args, file, rate: str, report, resume: bool, state, **options):
        file, report, state = Path(file), report and Path(report), state and Path(state)
        id_type = options["id_type"]
        calls_per_second = parse_rate(rate)
        rows, rejected = read_export(file)
        state_file = StateFile(state or file.with_name(file.name + ".state"), digest=file_digest(file), resume=resume)
        totals = Totals(rows=len(rows) + len(rejected), malformed=len(rejected))
        totals.skipped = sum(1 for row in rows if row.line in state_file.done)
        calls = plan_calls(rows, done=state_file.done)
        client = get_sessionm_client()
        pacer = Pacer(calls_per_second, clock=self.clock, sleep=self.sleep)
        progress = Progress(self.stderr, total=len(calls), interactive=self.stderr.isatty(), clock=self.clock)
        aborted = ""
        consecutive_transient = 0
        number = 0
        try:
            for number, call in enumerate(calls, start=1):
                pacer.wait()
                totals.calls += 1
                try:
                    client.add_tags(tags=call.tags, ttl=call.ttl, **{id_type: call.customer_id})
                except SessionMAuthError:
                    aborted = "SessionM refused our credentials (check the SESSIONM_* settings)"
                    totals.calls_failed += 1
                    totals.rows_failed += len(call.rows)
                    rejected += [_rejected(row, f"not sent: {aborted}") for row in call.rows]
                    break
                except SessionMError as exc:
                    reason, done = _failure(exc, call)
                    totals.calls_failed += 1
                    totals.rows_failed += len(call.rows)
                    rejected += [_rejected(row, reason) for row in call.rows]
                    if done:
                        state_file.record(row.line for row in call.rows)
                    transient = isinstance(exc, SessionMTimeout | SessionMUnavailable)
                    consecutive_transient = consecutive_transient + 1 if transient else 0
                    if consecutive_transient >= MAX_CONSECUTIVE_TRANSIENT_FAILURES:
                        aborted = f"SessionM failed {consecutive_transient} calls in a row"
                        break
                else:
                    consecutive_transient = 0
                    totals.rows_imported += len(call.rows)
                    state_file.record(row.line for row in call.rows)
                progress.update(number, totals.calls_failed)
        finally:
            progress.finish()
            state_file.close()
        if aborted:
            rejected += [_rejected(row, f"not sent: {aborted}") for call in calls[number:] for row in call.rows]
        rejected.sort(key=lambda r: r.line)
        if report:
            _write_report(report, rejected)
        self._summary(totals, report=report, rejected=len(rejected), state=state_file.path)
        if aborted:
            raise CommandError(f"Stopped: {aborted}. Fix it, then run again with --resume.")

    def _summary(self, totals: Totals, *, report: Path | None, rejected: int, state: Path) -> None:
        self.stdout.write(
            f"Rows: {totals.rows} read, {totals.malformed} malformed, {totals.skipped} already done (skipped).\n"
            f"Calls: {totals.calls} made, {totals.calls - totals.calls_failed} succeeded, "
            f"{totals.calls_failed} failed.\n"
            f"Rows imported: {totals.rows_imported}; rows not imported: {rejected}."
        )
        if report:
            self.stdout.write(f"Report: {report} ({rejected} rows).")
        elif rejected:
            self.stdout.write("Pass --report FILE to list the rows not imported and why.")
        self.stdout.write(f"State: {state}")


def _rejected(row: Row, reason: str) -> Rejected:
    return Rejected(row.line, row.customer_id, row.tag, "" if row.ttl is None else str(row.ttl), reason)


def _write_report(path: Path, rejected: list[Rejected]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows([r.line, r.customer_id, r.tag, r.ttl, r.reason] for r in rejected)
