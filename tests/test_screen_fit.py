"""With the tour or the quiz open, each size still shows what it talks about."""

import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.widget import Widget
from textual.widgets import Static

from tests.test_app import frozen_app
from tests.test_layout import SIZES, show_a_run
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.main import MainScreen
from tui.ui.widgets.lag_graph import LagGraph
from tui.ui.widgets.quiz_panel import QuizPanel
from tui.ui.widgets.tour_panel import TourPanel


def rendered(static: Static) -> str:
    console = Console(width=200, file=io.StringIO())
    console.print(static.content)
    return console.file.getvalue()


def whole(widget: Widget, rows: int = 1) -> bool:
    """Displayed, on screen with its border, with ``rows`` of content at least."""
    screen = widget.screen.region
    return (
        widget.display
        and widget.content_region.height >= rows
        and screen.contains_region(widget.region)
        and widget.region.bottom <= _panel_top(widget)
    )


def _panel_top(widget: Widget) -> int:
    panels = [p for p in widget.screen.query(".presenter") if p.display]
    return min((p.region.y for p in panels), default=widget.screen.region.bottom)


@pytest.mark.parametrize("key", ["o", "z"])
async def test_110x34_with_a_panel_open_keeps_all_but_the_events_log(
    demo_db: Path, monkeypatch, key: str
) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES["110x34"]) as pilot:
        await show_a_run(app, pilot)
        await pilot.press(key)
        await pilot.pause()
        main = app.main
        for name in ("patterns", "explanation", "heartbeat", "results"):
            assert whole(main.query_one(f"#{name}")), name
        assert whole(main.query_one("#source-view"), rows=3)
        assert whole(main.query_one("#explanation"), rows=3)


@pytest.mark.parametrize("key", ["o", "z"])
async def test_80x24_with_a_panel_open_keeps_a_lag_graph_with_its_lines(
    demo_db: Path, monkeypatch, key: str
) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES["80x24"]) as pilot:
        await show_a_run(app, pilot)
        await pilot.press(key)
        await pilot.pause()
        graph = app.main.query_one("#lag-graph", LagGraph)
        assert whole(graph, rows=4)
        drawn = "".join(graph.render_line(y).text for y in range(graph.size.height))
        assert "16" in drawn and "50" in drawn and " ms" in drawn
        assert whole(app.main.query_one("#heartbeat"))


async def test_the_header_says_the_latency_whole_at_80_columns(
    demo_db: Path, monkeypatch
) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES["80x24"]) as pilot:
        await pilot.pause()
        title = app.screen.query_one("HeaderTitle")
        assert "simulated latency 0 ms" in str(title.render())
        # A tour step with its own latency: the header says that one.
        app.main.presented_latency = (50.0, "this step")
        await pilot.pause()
        assert "simulated latency 50 ms for this step" in str(title.render())


@pytest.mark.parametrize("size", SIZES)
async def test_notices_cover_neither_the_panel_nor_the_runs(
    demo_db: Path, monkeypatch, size: str
) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES[size], notifications=True) as pilot:
        await show_a_run(app, pilot)
        await pilot.press("z")
        await pilot.pause()
        app.notify("wrote loopbeat-20260101-120000.svg to /tmp/talk", title="svg")
        app.notify("3 runs already in flight; wait for one to finish")
        await pilot.pause()
        await pilot.pause()
        toasts = list(app.screen.query("Toast"))
        assert len(toasts) == 2
        covered = [app.main.query_one(QuizPanel), app.main.query_one("#heartbeat")]
        if app.main.query_one("#bottom").display:
            covered.append(app.main.query_one("#results"))
        for toast in toasts:
            for widget in covered:
                overlap = toast.region.intersection(widget.region)
                assert overlap.area == 0, (toast, widget)


async def test_question_mark_and_f1_list_every_key(demo_db: Path, monkeypatch) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES["110x34"]) as pilot:
        await pilot.pause()
        for key in ("question_mark", "f1"):
            await pilot.press("o", key)
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = rendered(app.screen.query_one("#help-keys", Static))
            for binding in (*MainScreen.BINDINGS, *TourPanel.BINDINGS):
                assert binding.description in text, binding.description
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is app.main


async def test_large_mode_draws_the_figure_in_solid_blocks_five_rows_high(
    demo_db: Path, monkeypatch
) -> None:
    from tui.ui.widgets.block_digits import block_lines

    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES["110x34"]) as pilot:
        await show_a_run(app, pilot)
        await pilot.press("l")
        await pilot.pause()
        digits = app.main.query_one("#big-digits")
        assert digits.region.height >= 5
        drawn = [digits.render_line(y).text for y in range(digits.region.height)]
        assert [line.rstrip() for line in drawn[:5]] == [
            line.rstrip() for line in block_lines("750")
        ]
        assert all("█" in line for line in drawn[:5])


def test_snapshot_tour_at_110x34(snap_compare, demo_db: Path, monkeypatch) -> None:
    from tests.test_presenter_place import Requests

    app = frozen_app(demo_db, monkeypatch)

    async def before(pilot) -> None:
        await show_a_run(app, pilot)
        requests = Requests(app)
        await pilot.press("o", "space")
        requests.answer()
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES["110x34"], run_before=before)


def test_snapshot_quiz_at_80x24(snap_compare, demo_db: Path, monkeypatch) -> None:
    from tests.factories import make_causes, make_result
    from tests.test_presenter_place import Requests
    from tui.ui.messages import RunsFinished

    app = frozen_app(demo_db, monkeypatch)

    async def before(pilot) -> None:
        await show_a_run(app, pilot)
        requests = Requests(app)
        await pilot.press("z", "n", "1", "2", "2", "3", "enter")
        # What the sync view does here: off the loop, and the loop starved.
        (spec,), panel, token = requests.asked[-1]
        worker = ("ThreadPoolExecutor-1_0",)
        result = make_result(
            pattern=spec.pattern.name,
            number=2,
            view_threads=worker,
            query_threads=worker,
            wall=0.72,
            loop_max_lag=0.09,
            causes=make_causes(wall=0.72, starved=0.583),
        )
        panel.post_message(RunsFinished((result,), None, token))
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES["80x24"], run_before=before)


async def test_the_screenshot_notice_names_its_folder(
    demo_db: Path, monkeypatch, tmp_path: Path
) -> None:
    from tui.ui.app import LoopbeatApp

    monkeypatch.setattr(LoopbeatApp, "export_screenshot", lambda self: "<svg/>")
    app = LoopbeatApp(
        demo_target(demo_db), catalog=PATTERNS, live=False, export_dir=tmp_path
    )
    async with app.run_test(size=SIZES["80x24"], notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert any(str(tmp_path) in text and ".svg" in text for text in said), said
