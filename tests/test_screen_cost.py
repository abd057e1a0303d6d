"""What the screen costs the loop between runs and at a run's start and end.

Counted, never timed: the loop is not called into the screen at every tick,
the figures are not recomputed twice a second while nothing runs, and a
run's row and event line repaint only their own lines while nothing moves.
The CPU figures are measured in ``benchmarks/ui_idle.py`` and
``benchmarks/frame_cost.py``.
"""

import asyncio
from pathlib import Path

from tests.factories import make_result
from tests.test_app import started
from tui.engine.runs import RunSpec
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS, find
from tui.ui.app import LoopbeatApp
from tui.ui.screens.main import MainScreen
from tui.ui.widgets import heartbeat_panel
from tui.ui.widgets.event_log import EventLog
from tui.ui.widgets.heartbeat_panel import HeartbeatPanel
from tui.ui.widgets.results import ResultsTable


async def test_the_loop_hands_the_screen_its_ticks_in_bulk(
    demo_db: Path, monkeypatch
) -> None:
    calls = 0
    real = MainScreen.show_loop_item

    def counted(self: MainScreen, item: object) -> None:
        nonlocal calls
        calls += 1
        real(self, item)  # type: ignore[arg-type]

    monkeypatch.setattr(MainScreen, "show_loop_item", counted)
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app):
        await asyncio.sleep(1.0)  # about 200 ticks at the 5 ms interval
        assert app.bench.monitor is not None
        ticks = len(app.bench.monitor.samples(since=-1e9))
        panel = app.main.heartbeat
        columns = [v for v in panel.lag_timeline.values(panel.clock(), 40) if v]
    assert ticks > 50
    assert calls < 10  # stalls only, if any: not one call per tick
    assert columns  # the graph has the ticks all the same


async def test_the_figures_are_recomputed_less_often_between_runs(
    demo_db: Path,
) -> None:
    now = [100.0]
    app = LoopbeatApp(
        demo_target(demo_db), catalog=PATTERNS, live=False, clock=lambda: now[0]
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        panel = app.query_one(HeartbeatPanel)
        reads = 0

        def read():
            nonlocal reads
            reads += 1
            return None

        panel.update_figures_every(0.5, read)
        panel._set_frame_rate(heartbeat_panel.CALM_FPS)
        for _ in range(20):  # ten seconds of calm frames, two a second
            now[0] += 0.5
            panel._frame()
        await pilot.pause()
        calm = reads
        panel._set_frame_rate(heartbeat_panel.BUSY_FPS)
        panel.busy = True
        reads = 0
        for _ in range(20):  # two seconds of busy frames, ten a second
            now[0] += 0.1
            panel._frame()
        await pilot.pause()
        busy = reads
    assert calm <= 10 // heartbeat_panel.CALM_FIGURES_SECONDS + 1 < 20
    assert busy >= 4  # every half second while requests are in flight


async def test_a_run_that_moves_nothing_repaints_only_its_own_lines(
    demo_db: Path,
) -> None:
    app = LoopbeatApp(
        demo_target(demo_db), catalog=PATTERNS, live=False, stamp=lambda: "12:00:00"
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        table, log = app.query_one(ResultsTable), app.query_one(EventLog)
        spec = RunSpec.of(find("sleep-await"))
        app.main.run_started(1, spec)
        await pilot.pause()
        table._exchange_repaint_regions()
        log._exchange_repaint_regions()
        before = len(log._tail_lines())
        app.main.run_started(2, spec)
        after = len(log._tail_lines())
        log_rows = rows(log)
        # The first finished run fits the columns to its figures and its
        # verdict (the whole table is laid out again); the next moves nothing.
        app.main.run_finished(make_result("sleep-await", number=1))
        await pilot.pause()
        table._exchange_repaint_regions()
        app.main.run_finished(make_result("sleep-await", number=2))
        app.main.run_started(3, spec)
        table_rows = rows(table)
        top, log_top = table.gutter.top, log.gutter.top  # the borders
        height = log.size.height
    # Row 2 (run 2, finished) and row 3 (run 3, new) under the header of a
    # table with room to spare; the new event's lines in a log with room.
    assert table_rows == {top + 2, top + 3}, table_rows
    assert after < height  # the log had room to spare
    assert log_rows == set(range(log_top + before, log_top + after)), log_rows


def rows(widget) -> set[int]:
    """The rows of ``widget`` waiting to be repainted (and forget them)."""
    return {
        y
        for region in widget._exchange_repaint_regions()
        for y in range(region.y, region.bottom)
    }
