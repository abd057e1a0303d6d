"""The tour and the quiz, run start to finish with the keyboard alone."""

from pathlib import Path

from tests.test_app import run_and_wait, started
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.lessons.questions import QUESTIONS
from tui.lessons.tour import load_tour
from tui.ui.app import LoopbeatApp
from tui.ui.widgets.quiz_panel import QuizPanel
from tui.ui.widgets.tour_panel import TourPanel


async def settle(pilot) -> None:
    """Until the runs a key asked for have finished and their answer is shown."""
    await pilot.pause()  # the request reaches the app, which starts a worker
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()  # the answer reaches the panel


async def test_the_tour_runs_start_to_finish(demo_db: Path) -> None:
    steps = load_tour()
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("o")
        panel = app.query_one(TourPanel)
        for number in range(1, len(steps) + 1):
            assert panel.tour.number == number
            await pilot.press("space")  # run this step
            await settle(pilot)
            assert panel.tour.result is not None, f"step {number} did not run"
            assert panel.tour.banner()
            await pilot.press("space")  # on to the next
        assert len(app.results) == len(steps)
        assert [r.pattern for r in app.results] == [s.spec.pattern.name for s in steps]
        await pilot.press("backspace")
        assert panel.tour.number == len(steps) - 1
        await pilot.press("escape")
        await pilot.pause()
        assert not panel.display
        assert app.bench.latency_ms == 0  # the tour's latencies were its runs' own


async def test_the_quiz_runs_start_to_finish(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("z")
        panel = app.query_one(QuizPanel)
        for number, question in enumerate(QUESTIONS):
            assert panel.round.question is question
            await pilot.press("1", "1", "2")
            assert panel.round.tally[:2] == (2, 1)
            await pilot.press("enter")
            await settle(pilot)
            assert panel.round.revealed, f"question {number + 1} was not answered"
            assert panel.round.explanation
            if panel.round.too_close:  # an honest answer on a loaded machine
                assert panel.round.room_was_right is None
            else:
                assert panel.round.room_was_right == (panel.round.answer == 0)
            # Before the answer nothing said what would run: that gives it away.
            await pilot.press("n")
        # After the last question: the score, and a clear end.
        assert panel.session.finished
        assert "Quiz over." in str(panel.render())
        assert "The room was right on" in str(panel.render())
        await pilot.press("escape")
        await pilot.pause()
        assert not panel.display
        assert app.bench.latency_ms == 0  # the tour's latencies were its runs' own


async def test_the_quiz_answers_the_gather_twins_differently(demo_db: Path) -> None:
    """The misconception the quiz exists for: gather in one view vs concurrency."""
    gather = next(q for q in QUESTIONS if q.prompt.startswith("One view gathers"))
    concurrent = next(
        q for q in QUESTIONS if q.prompt.startswith("Five users load a view")
    )
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("z")
        panel = app.query_one(QuizPanel)
        answers = {}
        for question in (gather, concurrent):
            while panel.round.question is not question:
                await pilot.press("n")
            await pilot.press("enter")
            await settle(pilot)
            answers[question.prompt] = question.choices[panel.round.answer]
        assert answers[gather.prompt] != answers[concurrent.prompt], answers


async def test_a_clicker_steps_the_tour_and_blanks_the_screen(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("o")
        panel = app.query_one(TourPanel)
        await pilot.press("pagedown")  # run step 1
        await settle(pilot)
        assert panel.tour.result is not None
        await pilot.press("pagedown")  # on to step 2
        assert panel.tour.number == 2
        await pilot.press("pageup")
        assert panel.tour.number == 1
        runs = len(app.results)
        await pilot.press("b")  # a clicker's blank key: not a burst here
        await pilot.pause()
        assert app.query_one("#blank").display
        assert len(app.results) == runs and app.bench.runs_in_flight == 0
        await pilot.press("b")
        await pilot.pause()
        assert not app.query_one("#blank").display


async def test_the_quiz_hides_what_will_run_until_the_answer(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("z")
        panel = app.query_one(QuizPanel)
        shown = str(panel.render())
        for spec in panel.round.question.specs:
            assert spec.label not in shown and spec.pattern.name not in shown
        await pilot.press("pagedown")  # a clicker runs the experiment
        await settle(pilot)
        assert panel.round.revealed
        assert "Ran: sync-guarded" in str(panel.render())


async def test_the_code_panel_follows_the_tour_and_the_quiz(demo_db: Path) -> None:
    from tui.ui.widgets.pattern_detail import SourceView

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        source = app.query_one(SourceView)
        await pilot.press("o")
        await pilot.pause()
        first = panel_step = app.query_one(TourPanel).tour.step
        assert source.border_title == f"GET {first.spec.url}"
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("space")  # step 2
        await pilot.pause()
        panel_step = app.query_one(TourPanel).tour.step
        assert source.border_title == f"GET {panel_step.spec.url}"
        await pilot.press("escape")
        await pilot.press("z")
        await pilot.pause()
        assert source.border_title == "code"  # hidden: it would give the answer
        await pilot.press("enter")
        await settle(pilot)
        assert source.border_title == "GET /sync/guarded"


async def test_the_stalls_line_is_highlighted_in_the_code(demo_db: Path) -> None:
    from rich.console import Group
    from rich.syntax import Syntax

    from tui.lessons.patterns import views_line
    from tui.ui.widgets.stall_line import worst_stall

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        result = await run_and_wait(pilot, "u")
        worst = worst_stall(result)
        assert worst is not None
        line = views_line(worst.location)
        assert line is not None
        shown = app.query_one("#source").content
        assert isinstance(shown, Group)
        syntaxes = [part for part in shown.renderables if isinstance(part, Syntax)]
        assert any(line in (s.highlight_lines or ()) for s in syntaxes)
