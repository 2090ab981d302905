"""manage.py import_segment_tags: Braze segment export -> SessionM tags, paced, reported, resumable."""

import csv
import io
import json

import pytest
import requests
import responses
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.messaging.management.commands import import_segment_tags as command
from apps.sessionm.client import SessionMClient
from apps.upstream.session import build_session

CORE = "https://core.sessionm.test"
TAGS_URL = CORE + "/priv/v1/apps/core-key/users/{user_id}/tags"
EXTERNAL_TAGS_URL = CORE + "/priv/v1/apps/core-key/external/users/{external_id}/tags"
OK = {"status": "ok"}


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(command.Command, "clock", staticmethod(fake))
    monkeypatch.setattr(command.Command, "sleep", staticmethod(fake.sleep))
    return fake


@pytest.fixture
def sessionm(monkeypatch):
    client = SessionMClient(
        core_url=CORE,
        connect_url="https://connect.sessionm.test",
        pos_url="https://pos.sessionm.test",
        api_key="core-key",
        api_secret="core-secret",
        connect_key="connect-key",
        connect_secret="connect-secret",
        retailer_id="retailer",
        pos_key="pos-key",
        pos_secret="pos-secret",
        pos_store_id="store",
        pos_client_id="bff",
        external_id_type="fancyfries",
        timeout=(1.0, 2.0),
        retries=2,
        session=build_session(),
    )
    monkeypatch.setattr(command, "get_sessionm_client", lambda: client)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def write_export(tmp_path, text: str):
    path = tmp_path / "segment.csv"
    path.write_text(text, encoding="utf-8")
    return path


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_segment_tags", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def bodies(mock, url):
    return [json.loads(call.request.body) for call in mock.calls if call.request.url == url]


def read_report(path):
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


EXPORT = """external_user_id,tag,ttl
u-1,vip,2592000
u-2,vip,2592000
u-1,summer,2592000
u-1,fan,
u-2,fan,
"""


def test_groups_a_customers_tags_with_the_same_ttl_into_one_call(tmp_path, sessionm, clock):
    for user in ("u-1", "u-2"):
        sessionm.post(TAGS_URL.format(user_id=user), json=OK)
    path = write_export(tmp_path, EXPORT)

    out, _ = run(path, "--rate=10/s")

    assert bodies(sessionm, TAGS_URL.format(user_id="u-1")) == [
        {"tags": ["vip", "summer"], "ttl": 2592000},
        {"tags": ["fan"]},
    ]
    assert bodies(sessionm, TAGS_URL.format(user_id="u-2")) == [{"tags": ["vip"], "ttl": 2592000}, {"tags": ["fan"]}]
    assert "Calls: 4 made, 4 succeeded, 0 failed." in out
    assert "Rows imported: 5; rows not imported: 0." in out
    state = (tmp_path / "segment.csv.state").read_text().splitlines()
    assert sorted(int(line) for line in state[1:]) == [2, 3, 4, 5, 6]


def test_calls_are_paced_at_the_given_rate(tmp_path, sessionm, clock):
    for user in ("u-1", "u-2"):
        sessionm.post(TAGS_URL.format(user_id=user), json=OK)

    run(write_export(tmp_path, EXPORT), "--rate=120/m")

    # Four calls two per second: the first goes at once, each later one waits out its half second.
    assert clock.sleeps == [0.5, 0.5, 0.5]


def test_malformed_rows_are_reported_and_never_stop_the_import(tmp_path, sessionm, clock):
    sessionm.post(TAGS_URL.format(user_id="u-1"), json=OK)
    path = write_export(
        tmp_path,
        "customer_id,tag,ttl\n,vip,60\nu-1,,60\nu-1,vip,soon\nu-1,vip,0\nu-1,vip,60,extra\nu-1,vip,60\n",
    )
    report = tmp_path / "report.csv"

    out, _ = run(path, "--report", str(report))

    assert bodies(sessionm, TAGS_URL.format(user_id="u-1")) == [{"tags": ["vip"], "ttl": 60}]
    reasons = {row["line"]: row["reason"] for row in read_report(report)}
    assert reasons == {
        "2": "malformed: no customer id",
        "3": "malformed: no tag",
        "4": "malformed: ttl must be a whole number of seconds above zero, not 'soon'",
        "5": "malformed: ttl must be a whole number of seconds above zero, not '0'",
        "6": "malformed: 4 columns, the header has 3",
    }
    assert "Rows: 6 read, 5 malformed" in out


def test_refused_and_failed_calls_are_reported_and_resume_retries_only_what_was_not_done(tmp_path, sessionm, clock):
    u1, u2, u3 = (TAGS_URL.format(user_id=user) for user in ("u-1", "u-2", "u-3"))
    sessionm.post(u1, json=OK)
    sessionm.post(u2, status=404, json={"status": "error", "errors": {"code": "user_not_found", "message": "nope"}})
    sessionm.post(u3, status=503, json={"status": "error", "errors": {"code": "unavailable"}})
    path = write_export(tmp_path, "user_id,tag,ttl\nu-1,vip,60\nu-2,vip,60\nu-3,vip,60\n")
    report = tmp_path / "report.csv"

    out, _ = run(path, "--report", str(report))

    assert "Calls: 3 made, 1 succeeded, 2 failed." in out
    # Tag adds are not idempotent (counter tags), so the client never retries them: one call each.
    assert len(bodies(sessionm, u3)) == 1
    rows = read_report(report)
    assert [(row["line"], row["customer_id"], row["tag"], row["ttl"]) for row in rows] == [
        ("3", "u-2", "vip", "60"),
        ("4", "u-3", "vip", "60"),
    ]
    assert rows[0]["reason"] == "customer not found in SessionM"
    assert "run again with --resume" in rows[1]["reason"]

    sessionm.replace(responses.POST, u3, json=OK)
    out, _ = run(path, "--resume", "--report", str(report))

    assert len(bodies(sessionm, u1)) == 1  # done in the first run, skipped now
    assert len(bodies(sessionm, u2)) == 2  # refused rows are retried: nothing was added for them
    assert len(bodies(sessionm, u3)) == 2
    assert "1 already done (skipped)" in out
    assert [row["customer_id"] for row in read_report(report)] == ["u-2"]


def test_a_state_file_from_an_earlier_run_needs_resume(tmp_path, sessionm, clock):
    sessionm.post(TAGS_URL.format(user_id="u-1"), json=OK)
    path = write_export(tmp_path, "user_id,tag\nu-1,vip\n")
    run(path)

    with pytest.raises(CommandError, match="--resume"):
        run(path)
    assert len(sessionm.calls) == 1


def test_resume_refuses_a_state_file_of_another_export(tmp_path, sessionm, clock):
    sessionm.post(TAGS_URL.format(user_id="u-1"), json=OK)
    path = write_export(tmp_path, "user_id,tag\nu-1,vip\n")
    run(path)
    path.write_text("user_id,tag\nu-1,vip\nu-1,fan\n", encoding="utf-8")

    with pytest.raises(CommandError, match="another export"):
        run(path, "--resume")


def test_a_counter_tag_call_that_timed_out_is_not_sent_again(tmp_path, sessionm, clock):
    url = TAGS_URL.format(user_id="u-1")
    sessionm.post(url, body=requests.ReadTimeout("slow"))
    path = write_export(tmp_path, "user_id,tag,ttl\nu-1,fan,\n")
    report = tmp_path / "report.csv"

    run(path, "--report", str(report))
    sessionm.replace(responses.POST, url, json=OK)
    run(path, "--resume")

    assert len(bodies(sessionm, url)) == 1
    assert "may have been added" in read_report(report)[0]["reason"]


def test_wrong_credentials_stop_the_import_and_report_what_was_not_sent(tmp_path, sessionm, clock):
    sessionm.post(TAGS_URL.format(user_id="u-1"), json=OK)
    sessionm.post(TAGS_URL.format(user_id="u-2"), status=401, json={"status": "error", "errors": {"code": "x"}})
    path = write_export(tmp_path, "user_id,tag\nu-1,vip\nu-2,vip\nu-3,vip\n")
    report = tmp_path / "report.csv"

    with pytest.raises(CommandError, match="credentials"):
        run(path, "--report", str(report))

    assert [call.request.url for call in sessionm.calls] == [TAGS_URL.format(user_id=u) for u in ("u-1", "u-2")]
    assert [(row["customer_id"], row["reason"][:9]) for row in read_report(report)] == [
        ("u-2", "not sent:"),
        ("u-3", "not sent:"),
    ]
    assert (tmp_path / "segment.csv.state").read_text().splitlines()[1:] == ["2"]


def test_keeps_going_through_a_few_outages_but_stops_when_sessionm_is_down(tmp_path, sessionm, clock):
    users = [f"u-{n}" for n in range(command.MAX_CONSECUTIVE_TRANSIENT_FAILURES + 5)]
    for user in users:
        sessionm.post(TAGS_URL.format(user_id=user), status=500, json={})
    path = write_export(tmp_path, "user_id,tag\n" + "".join(f"{user},vip\n" for user in users))
    report = tmp_path / "report.csv"

    with pytest.raises(CommandError, match="in a row"):
        run(path, "--report", str(report))

    assert len(sessionm.calls) == command.MAX_CONSECUTIVE_TRANSIENT_FAILURES
    assert len(read_report(report)) == len(users)


def test_external_ids_use_the_external_route(tmp_path, sessionm, clock):
    url = EXTERNAL_TAGS_URL.format(external_id="ext-1")
    sessionm.post(url, json=OK)

    run(write_export(tmp_path, "external_id,tag\next-1,vip\n"), "--id-type", "external_id")

    assert bodies(sessionm, url) == [{"tags": ["vip"]}]


def test_progress_is_printed_as_lines_when_not_on_a_terminal(tmp_path, sessionm, clock):
    users = [f"u-{n}" for n in range(20)]
    for user in users:
        sessionm.post(TAGS_URL.format(user_id=user), json=OK)
    path = write_export(tmp_path, "user_id,tag\n" + "".join(f"{user},vip\n" for user in users))

    _, err = run(path, "--rate=100/s")

    lines = err.splitlines()
    assert lines[0] == "progress: 2/20 calls (10%), 0 failed"
    assert lines[-1] == "progress: 20/20 calls (100%), 0 failed"
    assert len(lines) == 10
    assert "\r" not in err


def test_progress_bar_updates_in_place_on_a_terminal(clock):
    stream = io.StringIO()

    class Wrapper:
        def write(self, text, ending="\n"):
            stream.write(text + ending)

        def flush(self):
            pass

    progress = command.Progress(Wrapper(), total=4, interactive=True, clock=clock)
    for done in range(1, 5):
        progress.update(done, 0)
    progress.finish()

    assert stream.getvalue().count("\r") == 4
    assert stream.getvalue().endswith("] 4/4 calls (100%), 0 failed\n")


@pytest.mark.parametrize("rate", ["0", "-1/s", "fast", "5/h"])
def test_a_bad_rate_is_refused_before_anything_is_sent(tmp_path, sessionm, clock, rate):
    path = write_export(tmp_path, "user_id,tag\nu-1,vip\n")

    with pytest.raises(CommandError, match="--rate"):
        run(path, f"--rate={rate}")
    assert not (tmp_path / "segment.csv.state").exists()


def test_a_file_without_the_needed_columns_is_refused(tmp_path, sessionm, clock):
    with pytest.raises(CommandError, match="header"):
        run(write_export(tmp_path, "email,segment\na@example.com,vip\n"))
