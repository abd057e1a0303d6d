"""The heartbeat panel's drawing: what it repaints, and how often it animates."""

import asyncio
from pathlib import Path

from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region

from tests.test_app import run_and_wait, started
from tui.engine.runs import RunSpec
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS, find
from tui.ui.app import LoopbeatApp
from tui.ui.widgets import heartbeat_panel
from tui.ui.widgets.heartbeat_panel import BUSY_FPS, CALM_FPS
from tui.ui.widgets.lag_graph import LagGraph, _mark_runs
from tui.ui.widgets.pulse import Pulse


class CountingGraph(LagGraph):
    """A LagGraph that counts the rows Textual asks it to paint."""

    def __init__(self) -> None:
        super().__init__(id="graph")
        self.rows_painted: list[int] = []

    def render_line(self, y: int):
        self.rows_painted.append(y)
        return super().render_line(y)


class GraphApp(App):
    def compose(self) -> ComposeResult:
        yield CountingGraph()


def row_text(graph: LagGraph, y: int) -> str:
    return graph.render_line(y).text


async def test_a_graph_repaints_only_when_its_picture_changes() -> None:
    app = GraphApp()
    async with app.run_test(size=(60, 8)) as pilot:
        graph = app.query_one(CountingGraph)
        height = graph.size.height
        graph.values = (0.0002,) * 9 + (0.003,)
        await pilot.pause()
        graph.values = (0.0002,) * 10
        await pilot.pause()
        graph.rows_painted.clear()

        # Sub-millisecond jitter draws nothing on a 1 ms - 10 s scale.
        graph.values = (0.0004, 0.0001, 0.0009) * 3
        await pilot.pause()
        assert graph.rows_painted == []

        # One 50 ms spike: a bar appears, and only the rows it touches repaint.
        graph.values = (0.0004,) * 9 + (0.05,)
        await pilot.pause()
        assert graph.rows_painted
        assert set(graph.rows_painted) < set(range(height))
        assert any("█" in row_text(graph, y) for y in range(height))


async def test_a_graph_redraws_in_the_new_theme() -> None:
    app = GraphApp()
    async with app.run_test(size=(60, 8)) as pilot:
        graph = app.query_one(CountingGraph)
        graph.values = (0.5,) * 10
        await pilot.pause()
        before = graph.render_line(graph.size.height - 1)
        graph.rows_painted.clear()
        app.theme = "textual-light"
        await pilot.pause()
        assert graph.rows_painted  # repainted on screen, not only on request
        after = graph.render_line(graph.size.height - 1)
        assert after.text == before.text
        assert after != before  # same bars, the new theme's background


async def test_an_idle_graph_redraws_when_its_height_changes() -> None:
    # Sub-millisecond values draw no bars at any height; only the axis grows.
    app = GraphApp()
    async with app.run_test(size=(60, 12)) as pilot:
        graph = app.query_one(CountingGraph)
        for values in ((0.0002,) * 10, (0.0002,) * 9 + (0.003,), (0.0002,) * 10):
            graph.values = values  # a bar came and went: the lines are cached
            await pilot.pause()
        graph.styles.height = 10
        graph.values = (0.0003,) * 10  # the panel's next frame: same picture
        await pilot.pause()
        graph.values = (0.0002,) * 10
        await pilot.pause()
        assert graph.size.height == 10
        # What the screen holds for the graph, as the compositor reads it.
        shown = graph.render_lines(Region(0, 0, graph.size.width, 10))
        assert all("┤" in line.text for line in shown), [s.text for s in shown]


class PulseApp(App):
    def __init__(self, clock) -> None:
        super().__init__()
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Pulse(id="pulse", clock=self.clock)


async def test_the_pulse_moves_with_the_clock_not_the_frame_count() -> None:
    now = [100.0]
    app = PulseApp(lambda: now[0])
    async with app.run_test(size=(80, 3)) as pilot:
        pulse = app.query_one(Pulse)
        await pilot.pause()

        def line() -> str:
            return pulse.render_line(0).text

        def bar_at() -> int:
            return line().index("▐")

        start = bar_at()
        for _ in range(5):  # frames drawn with no time passing: no movement
            pulse.advance()
            await pilot.pause()
        assert bar_at() == start
        now[0] += 1.0
        assert bar_at() == start + Pulse.CELLS_PER_SECOND
        assert "loop clock     1.00 s" in line()


async def test_the_panel_animates_fast_only_while_runs_are_in_flight(
    demo_db: Path, monkeypatch
) -> None:
    monkeypatch.setattr(heartbeat_panel, "LINGER_SECONDS", 1.0)
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        panel = app.main.heartbeat
        assert panel.frame_rate == CALM_FPS
        rates: list[float] = []

        async def watch_rate() -> None:
            while True:
                rates.append(panel.frame_rate)
                await asyncio.sleep(0.02)

        watcher = asyncio.create_task(watch_rate())
        # Two calibration sleeps of 100 ms, awaited: long enough to be seen.
        assert app.request_runs([RunSpec.of(find("sleep-await"), 3)])
        await app.workers.wait_for_complete()
        await pilot.pause()
        watcher.cancel()
        assert BUSY_FPS in rates
        assert panel.frame_rate == BUSY_FPS  # lingers after the run
        await asyncio.sleep(1.0 + 2 / CALM_FPS)
        assert panel.frame_rate == CALM_FPS


async def test_freeze_says_so_and_its_figures_describe_the_frozen_picture(
    demo_db: Path,
) -> None:

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        panel = app.main.heartbeat
        await run_and_wait(pilot, "1")  # a 100 ms block: the max to remember
        await asyncio.sleep(0.7)  # the figures refresh twice a second
        await pilot.press("f")
        assert "FROZEN" in panel.border_title and panel.has_class("frozen")
        await asyncio.sleep(0.7)
        frozen = app.query_one("#lag-stats").figures
        assert frozen[1] is not None and frozen[1] >= 0.09
        await run_and_wait(pilot, "u")  # a far larger block, after the freeze
        await asyncio.sleep(0.7)
        assert app.query_one("#lag-stats").figures[1] == frozen[1]
        await pilot.press("f")
        await asyncio.sleep(0.7)
        assert app.query_one("#lag-stats").figures[1] > frozen[1]
        assert panel.border_title == "heartbeat"


async def test_clear_resets_the_figures_too(demo_db: Path) -> None:

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await run_and_wait(pilot, "1")
        await asyncio.sleep(0.7)
        assert app.query_one("#lag-stats").figures[1] >= 0.09
        await pilot.press("x")
        await asyncio.sleep(0.7)
        figures = app.query_one("#lag-stats").figures
        # Only what came after the clear: no trace of the 100 ms block.
        assert figures[1] is None or figures[1] < 0.09


async def test_the_scale_toggles_and_the_long_task_line_is_drawn() -> None:
    app = GraphApp()
    async with app.run_test(size=(60, 8)) as pilot:
        graph = app.query_one(LagGraph)
        graph.values = (0.003,) * 20 + (0.1,) + (0.003,) * 20
        await pilot.pause()
        log_rows = [row_text(graph, y) for y in range(graph.size.height)]
        assert any("50 ms" in row for row in log_rows)
        spike_log = sum("█" in row for row in log_rows)
        graph.linear = True
        await pilot.pause()
        linear_rows = [row_text(graph, y) for y in range(graph.size.height)]
        assert linear_rows[0].lstrip().startswith("100 ms")  # a round top
        # On a linear scale the 100 ms spike stands far taller than 3 ms.
        assert sum("█" in row for row in linear_rows) > spike_log


async def test_runs_are_marked_and_time_has_an_axis(demo_db: Path) -> None:
    app = LoopbeatApp(
        demo_target(demo_db), catalog=PATTERNS, live=False, clock=lambda: 100.0
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        panel = app.main.heartbeat
        panel.mark_run(7, 95.0)
        panel.end_run(7, 97.0)
        panel.redraw()
        await pilot.pause()
        graph = app.query_one("#lag-graph", LagGraph)
        assert "#7" in row_text(graph, 0)
        axis = app.query_one("#time-axis").render_line(0).text
        assert "-10 s" in axis and axis.rstrip().endswith("now")


async def test_threshold_labels_stay_put_whole_whatever_the_bars_do() -> None:
    """They jumped along the line as bars passed, or vanished under them."""
    app = GraphApp()
    async with app.run_test(size=(100, 9)) as pilot:
        graph = app.query_one(LagGraph)
        places = set()
        for shift in range(0, graph.columns, 3):
            # A wall of spikes, moving right as a run's would.
            values = [0.002] * graph.columns
            for column in range(shift, min(shift + 30, graph.columns)):
                values[column] = 0.09
            graph.values = tuple(values)
            await pilot.pause()
            rows = [row_text(graph, y) for y in range(graph.size.height)]
            for label in ("50 ms long task", "16 ms frame"):
                found = [(y, row.find(label)) for y, row in enumerate(rows)]
                at = [(y, x) for y, x in found if x >= 0]
                assert len(at) == 1, (label, shift)
                places.add((label, at[0]))
        assert len(places) == 2  # each label in one place throughout
        # Beside the newest bars, never over them.
        assert all(x > 7 + graph.columns - 1 for _, (_, x) in places)


def test_a_short_run_keeps_its_whole_number() -> None:
    cells = [(" ", Style())] * 20
    _mark_runs(cells, ((5, 5, "#12"), (10, 17, "#13")), Style())
    line = "".join(char for char, _ in cells)
    assert line[5:8] == "#12"
    assert line[10:18] == "#13────╴"


def test_a_plain_row_is_cut_into_the_segments_a_cell_by_cell_row_gives() -> None:
    # The fast path for rows without lines or marks must draw exactly what
    # the cell-by-cell path draws (the snapshots would not catch every case).
    import random

    from rich.style import Style

    from tui.ui.widgets.lag_graph import (
        BLOCKS,
        SEVERITY_STYLES,
        _colour_spans,
        _row_segments,
        _runs,
    )

    base = Style(bgcolor="black")
    styles = {name: base + Style.parse(name) for name in SEVERITY_STYLES}
    chooser = random.Random(7)
    for _ in range(500):
        width = chooser.randint(0, 40)
        text = "".join(chooser.choice(BLOCKS + "  ") for _ in range(width))
        colours = tuple(chooser.choice(SEVERITY_STYLES) for _ in range(width))
        cells = [
            (char, styles[colour] if char != " " else base)
            for char, colour in zip(text, colours, strict=True)
        ]
        fast = _row_segments(text, _colour_spans(colours), styles, base)
        assert fast == _runs(cells)


def test_run_marks_close_together_never_run_into_one_number() -> None:
    cells = [(" ", Style())] * 30
    marks = ((2, 2, "#40"), (10, 10, "#41"), (13, 13, "#42"), (14, 20, "#43"))
    _mark_runs(cells, marks, Style())
    line = "".join(char for char, _ in cells)
    assert "#4142" not in line and "#4243" not in line
    # The newest keep their numbers; one squeezed between them goes unmarked.
    assert line.split() == ["#40", "#41", "#43───╴"], line
    edge = [(" ", Style())] * 20
    _mark_runs(edge, ((19, 19, "#42"),), Style())  # just started, at "now"
    assert "".join(char for char, _ in edge).endswith(" #42")  # never "#4"


async def test_a_linear_axis_labels_its_steps_not_only_its_top() -> None:
    from tui.instrument.formatting import format_seconds

    app = GraphApp()
    async with app.run_test(size=(60, 10)) as pilot:
        graph = app.query_one(LagGraph)
        graph.styles.height = 8
        graph.values = (0.003,) * 20 + (0.1,) + (0.003,) * 20
        graph.linear = True
        await pilot.pause()
        gutters = [row_text(graph, y)[:7] for y in range(graph.size.height)]
        for value in (0.1, 0.075, 0.05, 0.025):
            assert any(format_seconds(value) in g for g in gutters), value


async def test_the_figures_cover_what_the_graph_shows(demo_db: Path) -> None:
    """Not 30 s beside a graph of 26: a spike that has scrolled off is gone."""
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    asked: list[float] = []
    async with started(app) as pilot:
        real = app.bench.recent_figures

        def recording(seconds, **kwargs):
            asked.append(seconds)
            return real(seconds, **kwargs)

        app.bench.recent_figures = recording
        await pilot.pause(1.2)
        shown = app.main.heartbeat.shown_seconds
        graph = app.query_one("#lag-graph", LagGraph)
        assert shown == graph.columns * heartbeat_panel.COLUMN_SECONDS
        assert asked and set(asked) == {shown}
