"""Drive the live app on ``tests/projects/mysite``, in a process of its own.

Django is set up once per process, and the test suite's is the demo's, so
``tests/test_project_app.py`` runs each scenario here:

    python -m tests.drive_project_app SCENARIO '{"pinned": ["/old/"]}'

with the fixture project's directory as the working directory and
``MYSITE_DB`` naming its database. The scenario drives the app with Textual's
Pilot, as a user would with keys, and prints one line of JSON: what it saw
on the screen and in the app's results.
"""

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tui.engine.runs import RunSpec
from tui.ui.app import LoopbeatApp
from tui.ui.messages import RunRequested
from tui.ui.screens.path_prompt import PathPrompt
from tui.ui.screens.project import ProjectScreen
from tui.ui.widgets.audit_panel import AuditPanel
from tui.ui.widgets.pattern_detail import SourceView
from tui.ui.widgets.results import ResultsTable
from tui.ui.widgets.route_facts import RouteFacts
from tui.ui.widgets.route_list import RouteList
from tui.ui.widgets.stall_line import StallLine

Scenario = Callable[[LoopbeatApp, Pilot], Awaitable[dict[str, Any]]]
SCENARIOS: dict[str, Scenario] = {}
DEADLINE = 120.0
"""Seconds a scenario waits for anything before giving up (a loaded machine
is slow; a broken app never gets there)."""


NOTICES: list[str] = []
"""Every notice the app raised, in order: a refusal's is up for 2 s only,
and a key press waits up to 2 s for a busy app to settle."""


def _record_notice(app: LoopbeatApp, event: Notify) -> None:
    # Textual calls each class's own handler: App's still shows the notice.
    NOTICES.append(event.notification.message)


def scenario(function: Scenario) -> Scenario:
    SCENARIOS[function.__name__] = function
    return function


async def until(
    pilot: Pilot, done: Callable[[], bool], what: str, timeout: float = DEADLINE
) -> None:
    """Let the app run until ``done()``; fail, saying ``what``, after DEADLINE."""
    give_up = time.monotonic() + timeout
    while not done():
        if time.monotonic() > give_up:
            shown = pilot.app.query(AuditPanel)
            panel = shown.first().status if shown else None
            raise TimeoutError(f"gave up waiting for {what} ({panel})")
        await pilot.pause(0.02)


def screen_of(app: LoopbeatApp) -> ProjectScreen:
    assert isinstance(app.main, ProjectScreen)
    return app.main


async def routes_listed(app: LoopbeatApp, pilot: Pilot) -> RouteList:
    routes = screen_of(app).route_list
    await until(pilot, lambda: routes.selected is not None, "the routes")
    return routes


async def highlight(pilot: Pilot, pattern: str) -> None:
    """Arrow down the list to the route ``pattern``, as a user would."""
    routes = screen_of(pilot.app).route_list  # type: ignore[arg-type]
    for _ in range(len(routes.options)):
        choice = routes.selected
        route = choice.route if choice is not None and choice.key is None else None
        if route is not None and route.pattern == pattern:
            return
        await pilot.press("down")
    raise LookupError(pattern)


async def finished_run(app: LoopbeatApp, pilot: Pilot, count: int) -> None:
    await until(
        pilot,
        lambda: len(app.results) >= count and app.bench.runs_in_flight == 0,
        f"run {count}",
    )
    await pilot.pause()


async def type_path(pilot: Pilot, path: str) -> None:
    """``/``, clear what is prefilled, type ``path``, Enter."""
    await pilot.press("slash")
    await until(pilot, lambda: isinstance(pilot.app.screen, PathPrompt), "prompt")
    await pilot.press("end", "ctrl+u", *path, "enter")


def row(app: LoopbeatApp, number: int) -> dict[str, str]:
    table = app.main.query_one(ResultsTable)
    return {c: table.cell(number, c) for c in ("pattern", "verdict")}


def plain(widget: Static) -> str:
    content = widget.content
    return content.plain if isinstance(content, Text) else str(content)


def facts(app: LoopbeatApp) -> str:
    return plain(app.main.query_one(RouteFacts).query_one("#facts-text", Static))


@scenario
async def routes(app: LoopbeatApp, pilot: Pilot) -> dict[str, Any]:
    """The list, the keys, Enter on a route, a number key on a pinned path."""
    listed = await routes_listed(app, pilot)
    rows = [
        (option.id, Text.assemble(option.prompt).plain)  # type: ignore[arg-type]
        for option in listed.options
    ]
    kinds = {
        choice.route.pattern: choice.route.kind
        for choice in listed._choices.values()
        if choice.route is not None and choice.key is None
    }
    screen = screen_of(app)
    sections = screen.key_sections()
    keys = sorted(
        {
            key
            for _, bindings in sections
            for binding in bindings
            for key in getattr(binding, "key", "").split(",")
        }
    )
    # The demo's lesson keys do nothing here: no panel opens, nothing runs.
    await pilot.press("o", "z", "c")
    lessons_opened = screen.stage.in_front() is not None
    footer = app.export_screenshot()
    await highlight(pilot, "health/")
    await pilot.press("enter")
    await finished_run(app, pilot, 1)
    health = app.results[-1]
    health_facts = facts(app)
    await pilot.press("1")
    await finished_run(app, pilot, 2)
    pinned = app.results[-1]
    return {
        "rows": rows,
        "kinds": kinds,
        "headings": [heading for heading, _ in sections],
        "keys": keys,
        "lessons_opened": lessons_opened,
        "footer_has": {
            word: word in footer for word in ("Tour", "Quiz", "Middleware", "Path")
        },
        "health": [health.spec.label, health.status, health.verdict],
        "health_row": row(app, health.number),
        "health_facts": health_facts,
        "pinned": [pinned.spec.label, pinned.status, pinned.verdict],
        "pinned_row": row(app, pinned.number),
    }


@scenario
async def typed(app: LoopbeatApp, pilot: Pilot) -> dict[str, Any]:
    """Typed paths: the blocking view's stall and line, then error rows."""
    await routes_listed(app, pilot)
    await type_path(pilot, "/report/")
    await finished_run(app, pilot, 1)
    report = app.results[-1]
    source = app.main.query_one(SourceView)
    seen: dict[str, Any] = {
        "report": [report.spec.label, report.status, report.verdict],
        "stalls": [s.text for s in report.stalls],
        "stall_line": app.main.query_one(StallLine).render().plain,
        "code_title": source.border_title,
        "marked_line": source.marked_line,
        "highlighted": screen_of(app).route_list.selected.route.pattern,  # type: ignore[union-attr]
        "facts": facts(app),
    }
    errors = {}
    for number, path in enumerate(
        ("/broken/", "/api/count/", "/nope/", "/dashboard/"), start=2
    ):
        await type_path(pilot, path)
        await finished_run(app, pilot, number)
        errors[path] = row(app, number)["verdict"]
    seen["errors"] = errors
    seen["running"] = app.is_running and app.return_code is None
    seen["screen"] = app.export_screenshot()
    return seen


@scenario
async def writes(app: LoopbeatApp, pilot: Pilot) -> dict[str, Any]:
    """POST typed, and POST asked for by a message: neither is sent."""
    await routes_listed(app, pilot)
    await type_path(pilot, "POST /api/posts/")
    await pilot.pause()
    prompt = app.screen
    problem = plain(prompt.query_one("#path-problem", Static))
    still_open = isinstance(prompt, PathPrompt)
    value = prompt.query_one(Input).value if still_open else None
    await pilot.press("escape")
    spec = RunSpec("/api/posts/", method="POST")
    app.main.post_message(RunRequested((spec,)))
    await pilot.pause()
    await pilot.pause()
    return {
        "prompt_open": still_open,
        "typed": value,
        "problem": problem,
        "runs": len(app.results),
        "notices": NOTICES,
        "banner": bool(app.main.query("#writes")),
        "header": app.sub_title,
    }


@scenario
async def allowed(app: LoopbeatApp, pilot: Pilot) -> dict[str, Any]:
    """With --allow-writes: said over the routes and in the header."""
    await routes_listed(app, pilot)
    banner = app.main.query("#writes")
    return {
        "banner": plain(banner.first(Static)) if banner else None,
        "header": app.sub_title,
    }


@scenario
async def audit(app: LoopbeatApp, pilot: Pilot) -> dict[str, Any]:
    """``m`` on the path pinned first: each class, its kind, its hops.

    Pinned to a view that sleeps 120 ms, so the audit's fifty-odd runs take
    seconds, and Enter pressed meanwhile meets it still measuring.
    """
    await routes_listed(app, pilot)
    await pilot.press("m")
    await until(pilot, lambda: app.desk.auditing, "the audit to start")
    # Left for the routes, Enter: refused, the audit measures alone.
    await pilot.press("escape", "enter")
    await until(pilot, lambda: bool(NOTICES), "a notice")
    refused = list(NOTICES)
    panel = app.main.query_one(AuditPanel)
    await pilot.press("m")  # back to the audit, still measuring or done
    await until(pilot, lambda: not panel.measuring, "the audit to finish")
    await pilot.pause()
    return {
        "refused": refused,
        "status": panel.status,
        "classes": [[c.middleware.name, c.middleware.kind] for c in panel.costs],
        "hops": {c.middleware.name: c.hops for c in panel.costs},
        "runs": len(app.results),
        "table": app.export_screenshot(),
    }


async def drive(app: LoopbeatApp, run: Scenario) -> dict[str, Any]:
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        return await run(app, pilot)


def main() -> None:
    from tui.engine.project import project_root, project_target

    name, options = sys.argv[1], json.loads(sys.argv[2])
    # The start-up noise check runs control runs of its own, which would
    # overlap the scenario's (the suite turns it off the same way).
    LoopbeatApp.CHECK_NOISE = False
    LoopbeatApp._on_notify = _record_notice  # type: ignore[attr-defined]
    target = project_target(project_root(str(Path.cwd())), "mysite.settings")
    app = LoopbeatApp(
        target,
        pinned=tuple(RunSpec.parse(p) for p in options.get("pinned", ())),
        allow_writes=options.get("allow_writes", False),
    )
    print(json.dumps(asyncio.run(drive(app, SCENARIOS[name]))))


if __name__ == "__main__":
    main()
