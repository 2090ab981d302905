"""The README's till examples, run as written (curl + openssl, then Python) against a live server: a newcomer
who copies them must see the purchase land, and a member code used once refused the second time."""

import io
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.loyalty.models import PosClient

README = Path(settings.BASE_DIR) / "README.md"
KEY_LINE = "KEY=$(.venv/bin/python manage.py pos_client_key sandbox-till)"


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.DOTALL)


def block_with(needle: str) -> str:
    (block,) = [block for block in shell_blocks() if needle in block]
    return block


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("openssl")), reason="needs curl and openssl")
@pytest.mark.django_db(transaction=True)
def test_the_readme_walk_through_and_signing_examples_work_as_written(live_server):
    call_command("seed_demo", stdout=io.StringIO())  # what `make run` does first
    key = PosClient.objects.get(key_id="sandbox-till").signing_key()
    login = block_with("/api/v1/me/member-code")
    till_curl = block_with(KEY_LINE)
    till_python = block_with("python3 - <<'PY'")
    new_code = next(line for line in login.splitlines() if line.startswith("CODE="))
    # The live server instead of `make run`'s; the test database's key (manage.py would read db.sqlite3).
    script = "\n".join(
        [
            "set -e",
            login,
            till_curl.replace(KEY_LINE, f"KEY={key}"),
            "echo '--- python, same code'",
            till_python,
            new_code,
            "echo '--- python, new code'",
            till_python,
        ]
    ).replace("localhost:8000", urlsplit(live_server.url).netloc)

    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, cwd=settings.BASE_DIR)

    assert run.returncode == 0, run.stderr
    walk, same_code, new = run.stdout.split("--- python, ")
    assert '"email":"amanda@example.com"' in walk
    assert '"subtotal":"18.00"' in walk and '"channel":"POS"' in walk
    assert '"available":280' in walk  # 100 welcome points + 180 for $18
    assert same_code.splitlines()[1].startswith("422 ") and "member_code_used" in same_code
    assert new.splitlines()[1].startswith("202 ") and '"subtotal":"9.00"' in new
