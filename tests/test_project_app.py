"""The live app on a project that is not the demo, driven with keys.

Each test runs a scenario of ``tests/drive_project_app.py`` in a process of
its own on ``tests/projects/mysite`` (Django is set up once per process, and
this suite's is the demo's). The last tests build the project's screen here,
without Django, from frozen data: its layout and its snapshot.
"""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MYSITE
from tests.factories import make_causes, make_result
from tests.test_any_project import ROOT
from tests.test_app import feed_heartbeat
from tui.engine.bench import Bench
from tui.engine.record import SYNC_TO_ASYNC, Hop, RequestRecord
from tui.engine.results import RequestSpan, RunResult, StallSummary
from tui.engine.routes import Route
from tui.engine.runs import RunSpec
from tui.engine.target import Target
from tui.ui.app import LoopbeatApp
from tui.ui.project_views import ProjectViews, ViewSource
from tui.ui.screens.project import ProjectScreen
from tui.ui.widgets.pattern_detail import SourceView
from tui.ui.widgets.results import ResultsTable

MIXIN, SYNC_ONLY = "MiddlewareMixin", "sync-only"
STARTPROJECT = (
    "SecurityMiddleware",
    "SessionMiddleware",
    "CommonMiddleware",
    "CsrfViewMiddleware",
    "AuthenticationMiddleware",
    "MessageMiddleware",
    "XFrameOptionsMiddleware",
)


def drive(db: Path, scenario: str, **options) -> dict:
    env = {**os.environ, "MYSITE_DB": str(db), "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # this suite's is the demo's
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.drive_project_app",
            scenario,
            json.dumps(options),
        ],
        cwd=MYSITE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def routes_seen(mysite_db) -> dict:
    """One session: the list, the keys, Enter on /health/, then key 1."""
    return drive(mysite_db, "routes", pinned=["/old/", "/report/"])


@pytest.fixture(scope="module")
def typed_seen(mysite_db) -> dict:
    """One session: /report/ typed, then paths that answer errors."""
    return drive(mysite_db, "typed")


def test_routes_are_listed_and_fired_by_enter_and_by_number(routes_seen) -> None:
    seen = routes_seen
    rows = seen["rows"]
    # The pinned paths first, marked with their keys, then the routes.
    assert rows[0][0] == "pin-1" and rows[0][1].startswith(" 1  sync  /old/")
    assert rows[1][0] == "pin-2" and " 2  async /report/" in rows[1][1]
    assert seen["kinds"] == {
        "": "sync",
        "posts/<int:pk>/": "sync",
        "api/posts/": "async",
        "api/count/": "async",
        "report/": "async",
        "health/": "async",
        "broken/": "sync",
        "old/": "sync",
        "dashboard/": "sync",
        **{p: "sync" for p in seen["kinds"] if p.startswith("admin/")},
    }
    own = [i for i, (option, _) in enumerate(rows) if option and "own" in option]
    admin = [i for i, (option, _) in enumerate(rows) if option and "package" in option]
    assert own and admin and max(own) < min(admin)  # the project's views first
    assert seen["health"] == ["/health/", 200, seen["health"][2]]
    assert seen["health_row"]["pattern"] == "/health/"
    assert "view blog.views.health" in seen["health_facts"]
    assert "async: it runs on the event loop" in seen["health_facts"]
    assert "hops: request_started" in seen["health_facts"]
    assert seen["pinned"][:2] == ["/old/", 302]
    assert seen["pinned_row"]["verdict"] == "redirected to /"


def test_the_demos_lessons_are_not_on_a_projects_screen(routes_seen) -> None:
    seen = routes_seen
    assert not seen["lessons_opened"]
    assert {"o", "z", "c", "s", "u", "a"}.isdisjoint(seen["keys"])
    assert {"m", "slash", "b", "1", "9", "q"} <= set(seen["keys"])
    assert not any("tour" in h or "quiz" in h for h in seen["headings"])
    assert seen["footer_has"] == {
        "Tour": False,
        "Quiz": False,
        "Middleware": True,
        "Path": True,
    }


def test_a_typed_path_that_blocks_names_its_line_in_the_code(typed_seen) -> None:
    seen = typed_seen
    label, status, verdict = seen["report"]
    assert (label, status) == ("/report/", 200)
    assert verdict.startswith("blocked the loop")
    assert any("blog/views.py:42 in slow_report" in s for s in seen["stalls"])
    assert "blog/views.py:42 in slow_report" in seen["stall_line"]
    # The code panel shows that view, from its own file, the line marked.
    assert seen["highlighted"] == "report/"
    assert seen["code_title"].startswith("blog/views.py")
    assert seen["marked_line"] == 42
    assert "blocked the loop" in seen["facts"]


def test_error_answers_are_rows_and_the_session_goes_on(typed_seen) -> None:
    seen = typed_seen
    errors = seen["errors"]
    assert errors["/broken/"] == (
        "raised ValueError: the report template is missing a column "
        "(at blog/views.py:54 in broken)"
    )
    assert errors["/api/count/"].startswith("raised SynchronousOnlyOperation")
    assert errors["/nope/"] == "failed: HTTP 404"
    assert errors["/dashboard/"].startswith("redirected to /accounts/login/")
    assert errors["/dashboard/"].endswith("login required")
    assert seen["running"]
    assert "Traceback" not in seen["screen"]


def test_a_write_is_refused_without_allow_writes(mysite_db) -> None:
    seen = drive(mysite_db, "writes")
    # Typed: said under the input, which stays for the user to fix it.
    assert seen["prompt_open"] and seen["typed"] == "POST /api/posts/"
    assert "--allow-writes" in seen["problem"]
    # Asked for otherwise: refused by the app, with a notice.
    assert seen["runs"] == 0
    assert any("POST is not sent" in notice for notice in seen["notices"])
    assert not seen["banner"] and "WRITES" not in seen["header"]


def test_allowed_writes_are_said_plainly(mysite_db) -> None:
    seen = drive(mysite_db, "allowed", allow_writes=True)
    assert seen["banner"].startswith("writes allowed")
    assert "WRITES ALLOWED" in seen["header"]


def test_the_middleware_audit_lists_each_class_with_its_kind(mysite_db) -> None:
    seen = drive(mysite_db, "audit", pinned=["/report/"])
    assert seen["classes"] == [
        *([name, MIXIN] for name in STARTPROJECT),
        ["RequestIdMiddleware", MIXIN],
        ["LegacyTimingMiddleware", SYNC_ONLY],
    ]
    # The sync-only class made Django adapt the stack: the hop into it is its.
    assert seen["hops"]["LegacyTimingMiddleware"] >= 1
    assert seen["status"].startswith("hops:")
    # Its runs are not the presenter's, and the presenter's wait for it.
    assert seen["runs"] == 0
    assert any("audit is measuring" in notice for notice in seen["refused"])
    assert "LegacyTimingMiddleware" in seen["table"]


# --- the screen, from frozen data: no Django needed ------------------------------

SIZES = {"80x24": (80, 24), "110x34": (110, 34), "160x45": (160, 45)}
VIEWS = MYSITE / "blog" / "views.py"
ROUTES = (
    Route("", "post_list", "blog.views.post_list", False),
    Route("posts/<int:pk>/", "post_detail", "blog.views.post_detail", False, ("pk",)),
    Route("api/posts/", "post_api", "blog.views.PostApi", True),
    Route("api/count/", "post_count", "blog.views.post_count_sync_orm", True),
    Route("report/", "slow_report", "blog.views.slow_report", True),
    Route("health/", "health", "blog.views.health", True),
    Route("broken/", "broken", "blog.views.broken", False),
    Route("old/", "old_home", "blog.views.old_home", False),
    Route("dashboard/", "dashboard", "blog.views.dashboard", False),
)
ADMIN = (
    Route("admin/", "admin:index", "django.contrib.admin.sites.AdminSite.index", False),
)
STARTPROJECT_HOPS = (
    "request_started",
    "SecurityMiddleware and below, adapted to sync",
    "BaseHandler._get_response_async",
    "CsrfViewMiddleware.process_view",
    "HttpResponse.close",
)


def fixture_sources() -> dict[str, ViewSource | None]:
    """Each fixture view's code, read from its file as the screen shows it."""
    text = VIEWS.read_text()
    lines = text.splitlines(keepends=True)
    sources: dict[str, ViewSource | None] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            code = "".join(lines[first - 1 : node.end_lineno])
            sources[f"blog.views.{node.name}"] = ViewSource(
                "blog/views.py", first, code, True
            )
    sources[ADMIN[0].view] = None
    return sources


def report_run(number: int = 1, label: str = "/report/") -> RunResult:
    """/report/ as it runs: blocked 121 ms at its sleep, five hops."""
    hops = tuple(Hop(SYNC_TO_ASYNC, caller) for caller in STARTPROJECT_HOPS)
    record = RequestRecord(hops=hops, view_thread="MainThread")
    return make_result(
        number=number,
        spec=RunSpec.parse(label, latency_ms=0.0),
        rows=None,
        queries=0,
        query_threads=(),
        started=84.2,
        wall=0.135,
        request_walls=(0.135,),
        loop_max_lag=0.121,
        loop_p99_lag=0.12,
        loop_blocked=0.121,
        ping_p99=0.118,
        ping_max=0.118,
        stalls=(
            StallSummary(
                "blog/views.py:42 in slow_report",
                0.121,
                "blocked",
                "demo",
                "blocked 121 ms at blog/views.py:42 in slow_report",
            ),
        ),
        causes=make_causes(wall=0.135, blocked=0.121, longest_demo=0.121),
        requests=(RequestSpan(84.2, 0.135, 200, record),),
        thread_hops=len(hops),
    )


def frozen_project(monkeypatch, allow_writes: bool = False) -> LoopbeatApp:
    """The project's screen with nothing live: the data is fed by hand."""
    monkeypatch.setattr(Bench, "django_version", property(lambda self: "5.2.19"))
    target = Target(
        name="mysite",
        settings_module="mysite.settings",
        project_root=MYSITE,
        describe={
            "project": "mysite",
            "database": "sqlite3 mysite.sqlite3",
            "debug": "on",
            "host": "mysite.example",
        },
    )
    return LoopbeatApp(
        target,
        pinned=(RunSpec("/report/"), RunSpec("/health/")),
        allow_writes=allow_writes,
        live=False,
        clock=lambda: 100.0,
        stamp=lambda: "12:00:00",
    )


async def show_the_project(app: LoopbeatApp, pilot, run: RunResult | None) -> None:
    await pilot.pause()  # the screen has mounted its widgets
    screen = app.main
    assert isinstance(screen, ProjectScreen)
    by_path = {f"/{r.pattern}": r for r in ROUTES}
    screen.route_of = lambda path: by_path.get(path.partition("?")[0])
    screen.show_views(ProjectViews(ROUTES, ADMIN, fixture_sources()))
    feed_heartbeat(app)
    if run is not None:
        screen.run_started(run.number, run.spec)
        screen.run_finished(run)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
async def test_the_project_screen_fits_each_size(size: str, monkeypatch) -> None:
    app = frozen_project(monkeypatch)
    async with app.run_test(size=SIZES[size]) as pilot:
        await show_the_project(app, pilot, report_run())
        source = app.main.query_one(SourceView)
        footer_keys = app.screen.query("FooterKey")
        last_key = max(footer_keys, key=lambda key: key.region.right)
        assert last_key.region.right <= SIZES[size][0]
        stall = app.main.query_one("#stall").render().plain.replace("\n", "")
        assert "blog/views.py:42 in slow_report" in stall
        title = app.screen.query_one("HeaderTitle")
        shown = str(title.render())[: title.size.width]
        assert "latency 0 ms" in shown  # first: what the figures are read at
        if size != "80x24":
            assert source.marked_line == 42 and source.display
            assert "mysite.settings · DEBUG on · sqlite3 mysite.sqlite3" in shown
        if size == "160x45":
            assert shown.rstrip().endswith("Django 5.2.19")


async def test_project_names_are_shown_never_read_as_markup(monkeypatch) -> None:
    app = frozen_project(monkeypatch, allow_writes=True)
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        await show_the_project(app, pilot, report_run(label="/report/?q=[bold]x[/]"))
        assert (
            app.main.query_one(ResultsTable)
            .cell(1, "pattern")
            .startswith("/report/?q=[bold]x[/]")
        )
        assert "WRITES ALLOWED" in app.sub_title


def test_snapshot_project_screen(snap_compare, monkeypatch) -> None:
    app = frozen_project(monkeypatch)

    async def before(pilot) -> None:
        await show_the_project(app, pilot, report_run())

    assert snap_compare(app, terminal_size=SIZES["110x34"], run_before=before)


def test_a_stalls_place_and_a_routes_template_are_read_as_written() -> None:
    from tui.ui.project_views import stall_place
    from tui.ui.widgets.route_list import Choice

    assert stall_place("blog/views.py:42 in slow_report") == ("blog/views.py", 42)
    assert stall_place("blog/views.py:42") == ("blog/views.py", 42)
    assert stall_place("the loop waited for the GIL") is None
    regex = Route(
        "admin/^(?P<app_label>auth|blog)/$", None, "x.y", False, ("app_label",)
    )
    assert Choice(regex).template == "/admin/(?P<app_label>auth|blog)/"
    assert Choice(ROUTES[1]).template == "/posts/<int:pk>/"


def test_the_facts_say_the_hops_by_cause_and_a_path_without_a_route() -> None:
    from tui.ui.widgets.route_facts import facts_text, hop_summary
    from tui.ui.widgets.route_list import Choice

    run = report_run()
    assert hop_summary(run) == (
        "5 hops: request_started, SecurityMiddleware and below, adapted to "
        "sync, back to the loop for the view, CsrfViewMiddleware, response close"
    )
    lost = facts_text(Choice(None, RunSpec("/nope/"), 3), None).plain
    assert lost.startswith("/nope/ · key 3\nno route of the URLconf matches it")
    needs = facts_text(Choice(ROUTES[1]), None).plain
    assert "needs pk: Enter types the path" in needs
    assert "sync: Django runs it in a worker thread" in needs
