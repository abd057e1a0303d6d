"""``python -m tui --settings ... --headless`` on a project of the user's.

Each run is a process of its own (Django is set up once per process, and
this suite's is the demo's). The noise check's readings of the machine are
injected, so an outcome never depends on what else the machine is doing.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import MYSITE
from tests.test_any_project import ROOT

SCHEMA = json.loads((ROOT / "tui" / "output" / "report.schema.json").read_text())
CLI = """
import sys
from tui.engine import noise

# The machine as the test says it is: quiet (nothing else ran) or busy.
busy = sys.argv[1] == "busy"
ticks = iter(range(0, 10**9, 50))
def machine():
    now = next(ticks)
    return (now * (0.95 if busy else 0.0), float(now))
noise._machine_cpu = machine
noise.read_thread = lambda native_id: None
from tui.cli import main
sys.exit(main(sys.argv[2:]))
"""


def loopbeat(db: Path, *args: str, machine: str = "quiet", cwd: Path = MYSITE):
    env = {**os.environ, "MYSITE_DB": str(db), "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # this suite's is the demo's
    return subprocess.run(
        [sys.executable, "-c", CLI, machine, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def headless(db: Path, *args: str, machine: str = "quiet"):
    return loopbeat(
        db, "--settings", "mysite.settings", "--headless", *args, machine=machine
    )


def test_a_view_that_blocks_past_the_budget_fails_naming_its_line(mysite_db, tmp_path):
    report = tmp_path / "report.json"
    result = headless(
        mysite_db,
        "--urls",
        "/health/,/report/",
        "--max-lag",
        "50",
        "--json",
        str(report),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    # time.sleep(0.12), measured: a loaded machine adds a millisecond or more.
    assert re.search(
        r"over: /report/: blocked 1[23]\d ms at blog/views.py:", result.stdout
    )
    assert "in slow_report (budget 50 ms)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    data = json.loads(report.read_text())
    jsonschema.validate(data, SCHEMA)
    outcomes = {p["path"]: p["outcome"] for p in data["paths"]}
    assert outcomes == {"/health/": "pass", "/report/": "over"}
    kinds = {m["class"].rsplit(".", 1)[1]: m["kind"] for m in data["middleware"]}
    assert kinds["CsrfViewMiddleware"] == "MiddlewareMixin"
    assert kinds["RequestIdMiddleware"] == "MiddlewareMixin"
    assert kinds["LegacyTimingMiddleware"] == "sync-only"


def test_within_the_budget_is_a_pass(mysite_db):
    result = headless(mysite_db, "--urls", "/health/,/api/posts/", "--max-lag", "50")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "loopbeat: 2 pass (exit 0)" in result.stdout


def test_a_busy_machine_is_unmeasured_never_a_pass_or_a_fail(mysite_db):
    result = headless(
        mysite_db, "--urls", "/report/", "--max-lag", "50", machine="busy"
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "unmeasured: /report/: the machine was busy" in result.stdout
    assert "over:" not in result.stdout


def test_hops_over_their_budget_fail(mysite_db):
    result = loopbeat(
        mysite_db,
        "--settings", "mysite.settings_plain", "--headless",
        "--urls", "/health/", "--max-hops", "10",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "15 thread hops a request (budget 10)" in result.stdout
    assert "hops of /health/: 15 a request: request_started, SecurityMiddleware x2" in (
        result.stdout
    )


def test_only_get_and_head_unless_writes_are_allowed(mysite_db):
    result = headless(mysite_db, "--urls", "POST /api/posts/")
    assert result.returncode == 2
    assert "only GET and HEAD are sent unless you give --allow-writes" in result.stderr


def test_a_session_leaves_the_projects_database_as_it_was(mysite_db):
    before = hashlib.sha256(mysite_db.read_bytes()).hexdigest()
    result = headless(mysite_db, "--repeat", "2")  # every route without parameters
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "/dashboard/" in result.stdout and "/admin/" not in result.stdout
    assert hashlib.sha256(mysite_db.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["--settings", "mysite.settings_broken"],
            "cannot set up mysite.settings_broken: NameError: name 'undefined_name' "
            "is not defined (mysite/settings_broken.py:",
        ),
        (
            ["--settings", "no_such.settings"],
            "cannot import the settings module no_such.settings: No module named",
        ),
        (
            ["--settings", "mysite.settings_nohosts"],
            "DEBUG is off and ALLOWED_HOSTS is empty",
        ),
    ],
)
def test_a_project_that_cannot_start_is_one_sentence(mysite_db, args, says):
    result = loopbeat(mysite_db, *args, "--headless")
    assert result.returncode == 2, result.stdout + result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_database_is_never_created(tmp_path):
    missing = tmp_path / "never.sqlite3"
    result = headless(missing, "--urls", "/health/")
    assert result.returncode == 2
    assert "does not exist (Django would create it empty): run python manage.py" in (
        result.stderr
    )
    assert not missing.exists()


def test_a_directory_without_a_project_says_how_to_point_at_one(tmp_path):
    result = loopbeat(
        tmp_path / "x.sqlite3", "--path", str(tmp_path), "--headless", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "has no manage.py and no settings were given" in result.stderr


def test_the_settings_module_is_read_from_manage_py(mysite_db):
    result = loopbeat(mysite_db, "--path", ".", "--headless", "--urls", "/health/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mysite · mysite.settings ·" in result.stdout


def test_a_redirect_is_its_own_verdict_and_login_is_said(mysite_db):
    result = headless(mysite_db, "--urls", "/old/,/dashboard/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "redirected to /" in result.stdout
    assert "redirected to /accounts/login/?next=/dashboard/: login" in result.stdout


def test_a_projects_option_in_its_directory_needs_no_settings(mysite_db) -> None:
    # As a new user first tries it: --urls where manage.py is, no --settings.
    result = loopbeat(mysite_db, "--headless", "--urls", "/health/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mysite.settings" in result.stdout and "/health/" in result.stdout
    elsewhere = loopbeat(mysite_db, "--headless", "--urls", "/", cwd=ROOT)
    assert elsewhere.returncode == 2  # no manage.py at loopbeat's own root
    assert "--urls needs your project" in elsewhere.stderr
