"""A failure anywhere ends as an error row and a notice, never as an exit.

Each kind of run (a key, a burst, a tour step, a quiz question) and an
export is made to raise; the app must say so and then still answer a key.
"""

from pathlib import Path

import pytest

from tests.test_app import run_and_wait, started
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.output import session_files
from tui.ui.app import LoopbeatApp
from tui.ui.widgets.quiz_panel import QuizPanel
from tui.ui.widgets.tour_panel import TourPanel

BOOM = "a planted failure [bold]not markup[/]"


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def failing_runs(app: LoopbeatApp, monkeypatch) -> None:
    async def explode(spec, on_start=None):
        if on_start is not None:
            on_start(999, spec)  # the run had begun: its row must say why
        raise RuntimeError(BOOM)

    monkeypatch.setattr(app.bench, "run", explode)


async def still_answers(pilot, monkeypatch) -> None:
    """The app is up, said what failed, and a fresh key runs and is measured."""
    app: LoopbeatApp = pilot.app
    assert app.is_running and app.return_code is None
    assert any(BOOM in str(n.message) for n in app._notifications)
    assert app.bench.runs_in_flight == 0 and app.bench.requests_in_flight == 0
    monkeypatch.undo()
    result = await run_and_wait(pilot, "e")  # a key neither panel takes
    assert result.error is None


@pytest.mark.parametrize("keys", [("e",), ("b",)], ids=["key", "burst"])
async def test_a_failing_key_run_shows_an_error_row(
    demo_db: Path, monkeypatch, keys
) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        failing_runs(app, monkeypatch)
        await pilot.press(*keys)
        await settle(pilot)
        table = app.main.results_table
        verdict = table.cell(999, "verdict")
        assert verdict == f"RuntimeError: {BOOM}"
        await still_answers(pilot, monkeypatch)


async def test_a_failing_tour_step_leaves_the_tour_open(
    demo_db: Path, monkeypatch
) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("o")
        failing_runs(app, monkeypatch)
        await pilot.press("space")
        await settle(pilot)
        panel = app.query_one(TourPanel)
        assert panel.display and not panel.tour.running and panel.tour.result is None
        await still_answers(pilot, monkeypatch)
        await pilot.press("space")  # the step can be tried again
        await settle(pilot)
        assert panel.tour.result is not None


async def test_a_failing_quiz_run_leaves_the_quiz_open(
    demo_db: Path, monkeypatch
) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("z")
        failing_runs(app, monkeypatch)
        await pilot.press("enter")
        await settle(pilot)
        panel = app.query_one(QuizPanel)
        assert panel.display and not panel.running and not panel.round.revealed
        await still_answers(pilot, monkeypatch)


async def test_a_failing_export_is_reported(demo_db: Path, monkeypatch) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:

        def explode(*args, **kwargs):
            raise RuntimeError(BOOM)

        monkeypatch.setattr(session_files, "write_session", explode)
        monkeypatch.setattr(session_files, "write_screenshot", explode)
        await pilot.press("w", "ctrl+s")
        await settle(pilot)
        assert sum(BOOM in str(n.message) for n in app._notifications) == 2
        await still_answers(pilot, monkeypatch)
