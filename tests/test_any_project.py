"""The engine runs any Django project: here one that is not the demo.

``tests/projects/mysite`` is written as real projects are (startproject's
settings and middleware, an app of its own). Django can be set up once per
process, and this suite's is the demo's, so each test drives the engine on
it in a process of its own.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import MYSITE

ROOT = Path(__file__).resolve().parent.parent


ENGINE_RUN = """
import asyncio, json, sys
from pathlib import Path
from tui.engine.bench import Bench
from tui.engine.runs import RunSpec
from tui.engine.target import Target

async def main():
    target = Target(
        name="mysite", settings_module=sys.argv[1], project_root=Path(sys.argv[2])
    )
    async with Bench(target) as bench:
        result = await bench.run_now(RunSpec(sys.argv[3], latency_ms=40.0))
    (span,) = result.requests
    print(json.dumps({
        "status": result.status,
        "error": result.error,
        "verdict": result.verdict,
        "queries": result.queries,
        "latencies": [s.latency for s in span.record.statements],
        "query_threads": result.query_threads,
        "view_thread": span.view_thread,
        "hops": [[h.caller, h.stage] for h in span.record.hops],
        "stalls": [s.text for s in result.stalls],
        "demo_loaded": sorted(m for m in sys.modules if m.split(".")[0] == "demoapp"),
        "lessons_loaded": sorted(m for m in sys.modules if m.startswith("tui.lessons")),
    }))

asyncio.run(main())
"""


def run_engine(db: Path, settings: str, path: str) -> dict:
    env = {**os.environ, "MYSITE_DB": str(db), "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # this suite's is the demo's
    result = subprocess.run(
        [sys.executable, "-c", ENGINE_RUN, settings, str(MYSITE), path],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_a_project_that_is_not_the_demo_is_recorded_out_of_band(mysite_db) -> None:
    # A template-rendered sync view behind startproject's middleware, the
    # project's own two, on a real ALLOWED_HOSTS: its statements, their
    # threads and latency, its hops, and not a module of the demo loaded.
    seen = run_engine(mysite_db, "mysite.settings", "/")
    assert seen["status"] == 200, seen
    assert seen["demo_loaded"] == [] and seen["lessons_loaded"] == []
    assert seen["queries"] >= 1
    assert set(seen["latencies"]) == {0.04}
    assert seen["view_thread"] not in (None, "MainThread")  # a sync view
    assert seen["query_threads"] == [seen["view_thread"]]
    stages = {stage for _, stage in seen["hops"]}
    assert {"django", "middleware", "view"} <= stages


def test_startprojects_middleware_makes_fifteen_hops_for_an_async_view(
    mysite_db,
) -> None:
    # FACTS 24, measured on Django 5.2: seven MiddlewareMixin classes, each
    # hook a sync_to_async round trip, plus request_started and the close.
    seen = run_engine(mysite_db, "mysite.settings_plain", "/health/")
    assert seen["status"] == 200, seen
    callers = [caller for caller, _ in seen["hops"]]
    assert len(callers) == 15, callers
    assert callers[0] == "request_started" and callers[-1].endswith(".close")
    assert callers.count("CsrfViewMiddleware.process_view") == 1
    none = run_engine(mysite_db, "mysite.settings_bare", "/health/")
    assert len(none["hops"]) == 2, none["hops"]


def test_a_blocking_view_of_the_project_is_named_by_its_own_line(mysite_db) -> None:
    seen = run_engine(mysite_db, "mysite.settings", "/report/")
    assert seen["verdict"].startswith("blocked the loop"), seen
    assert any("blog/views.py:" in s and "slow_report" in s for s in seen["stalls"])


def test_the_projects_urlconf_and_views_are_imported_before_anything_is_measured(
    mysite_db,
) -> None:
    # Django imports the URLconf on the first request, on the loop's thread: a
    # DRF project's first path read "froze 54 ms at catalog/views.py:1 in
    # <module>" and went over a 50 ms budget for an import a server does once.
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tui.engine.project import project_target\n"
        "project_target(Path(sys.argv[1]), 'mysite.settings')\n"
        "print(sorted(m for m in sys.modules if m.startswith('blog.')))\n"
    )
    env = {**os.environ, "MYSITE_DB": str(mysite_db), "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", code, str(MYSITE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip()
    assert "'blog.urls'" in loaded and "'blog.views'" in loaded, loaded
