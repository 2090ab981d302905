"""The production topology test (bench/cluster.py, short mode) as part of the suite: PostgreSQL, Redis,
the sandbox server, two web instances, two workers and two schedulers from deploy/, nginx in front; mixed
load; one instance and one worker SIGKILLed mid-run. Every check it prints must pass.

Needs nginx, redis-server and PostgreSQL's binaries (.ci/run installs them); skipped, saying so, without."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.cluster


def _missing() -> list[str]:
    missing = [
        name for name in ("nginx", "redis-server") if not (shutil.which(name) or Path(f"/usr/sbin/{name}").exists())
    ]
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) and not shutil.which("pg_ctl"):
        missing.append("postgresql (pg_ctl)")
    return missing


@pytest.mark.timeout(400)
@pytest.mark.skipif(
    bool(_missing()), reason=f"needs {', '.join(_missing())} (apt-get install nginx redis-server postgresql)"
)
def test_cluster_short_mode_passes_every_check():
    run = subprocess.run(
        [sys.executable, "bench/cluster.py", "--mode", "short"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=380,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert "FAIL" not in run.stdout, report
    for check in ("throttle shared across instances", "idempotency: one effect", "messages: 0 lost, 0 doubled"):
        assert f"PASS  {check}" in run.stdout, report
