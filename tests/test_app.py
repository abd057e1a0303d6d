"""The live visualizer, driven as a presenter would drive it."""

import asyncio
from pathlib import Path

import pytest

from tests.factories import make_causes, make_result
from tui.engine.bench import MAX_RUNS_IN_FLIGHT, Bench
from tui.engine.results import RunResult, StallSummary
from tui.instrument.loopstats import Stall
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.ui.app import LoopbeatApp
from tui.ui.widgets.pattern_detail import SourceView
from tui.ui.widgets.results import ResultsTable

SNAPSHOT_SIZE = (160, 45)


def started(app: LoopbeatApp):
    """``run_test`` for a live app, returning once the warm-up has finished."""

    class Started:
        async def __aenter__(self):
            self.context = app.run_test(size=SNAPSHOT_SIZE)
            pilot = await self.context.__aenter__()
            await app.workers.wait_for_complete()
            return pilot

        async def __aexit__(self, *exc_info):
            return await self.context.__aexit__(*exc_info)

    return Started()


async def run_and_wait(pilot, key: str) -> RunResult:
    app: LoopbeatApp = pilot.app
    before = len(app.results)
    await pilot.press(key)
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert len(app.results) == before + 1
    return app.results[-1]


async def test_blocking_key_freezes_the_loop_and_names_the_view(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        result = await run_and_wait(pilot, "u")
        assert result.pattern == "sync-unguarded"
        assert result.loop_max_lag >= 0.7 * result.wall
        assert any("demoapp/views.py" in s.location for s in result.stalls)
        table = app.query_one(ResultsTable)
        assert table.row_count == 1
        verdict = table.cell(result.number, "verdict")
        assert verdict.startswith("froze the loop for")


async def test_async_key_keeps_the_loop_beating(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        blocking = await run_and_wait(pilot, "u")
        result = await run_and_wait(pilot, "a")
        assert result.pattern == "async-for"
        assert result.loop_max_lag <= 0.3 * blocking.loop_max_lag
        assert not result.froze_loop


async def test_in_flight_runs_are_bounded(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        # Hold every run in flight until released, so mashing the key meets
        # the bound however fast or slow the machine is.
        release = asyncio.Event()
        real_run = app.bench.run

        async def held_run(spec, on_start=None):
            await release.wait()
            return await real_run(spec, on_start)

        app.bench.run = held_run
        await pilot.press(*["b"] * 25)
        assert app.bench.runs_in_flight == MAX_RUNS_IN_FLIGHT
        assert any("already in flight" in n.message for n in app._notifications)
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.bench.runs_in_flight == 0
        assert app.bench.requests_in_flight == 0
        assert len(app.results) == MAX_RUNS_IN_FLIGHT  # the rest were refused
        assert app.main.results_table.row_count == MAX_RUNS_IN_FLIGHT
        assert all(r.burst == app.main.burst for r in app.results)


async def test_quit_during_a_blocking_fetch_exits_cleanly(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        await pilot.press("a", "u", "q")
    assert app.return_code == 0


async def test_selecting_a_pattern_shows_its_source(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, live=False)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        await pilot.press("down", "down", "down")
        assert app.query_one(SourceView).border_title == "GET /sync/unguarded"
        screen = app.export_screenshot()
        assert "sync_orm_unguarded" in screen
        assert "DJANGO_ALLOW_ASYNC_UNSAFE" in screen  # the explanation


async def test_latency_keys_step_the_simulated_latency(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, live=False)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        await pilot.press("plus", "plus", "plus")
        assert app.bench.latency_ms == 50
        assert "latency 50 ms" in app.sub_title
        await pilot.press("plus", "minus", "minus")
        assert app.bench.latency_ms == 20


@pytest.mark.parametrize("size", [(40, 12), (80, 24)])
async def test_small_terminals_render(demo_db: Path, size: tuple[int, int]) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("2")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.results[-1].pattern == "sleep-await"


# --- snapshots, with the live numbers frozen ------------------------------------


def frozen_app(demo_db: Path, monkeypatch) -> LoopbeatApp:
    monkeypatch.setattr(Bench, "django_version", property(lambda self: "5.2"))
    return LoopbeatApp(
        demo_target(demo_db),
        catalog=PATTERNS,
        live=False,
        clock=lambda: 100.0,
        stamp=lambda: "12:00:00",
    )


def feed_heartbeat(app: LoopbeatApp) -> None:
    """Thirty seconds of idle beats with one 750 ms freeze in the middle."""
    panel = app.main.heartbeat
    for i in range(300):
        t = 70.0 + i * 0.1
        panel.record_lag(t, 0.0004 + (i % 7) * 0.0002)
        panel.record_ping(t, 0.002 + (i % 5) * 0.0005)
    panel.record_lag(85.0, 0.75)
    panel.record_ping(84.2, 0.8)
    panel.show_stats(0.75, 0.0021, 0.8, 0.004)
    panel.redraw()


def sample_result() -> RunResult:
    return make_result(
        pattern="sync-unguarded",
        rows=100_000,
        query_threads=("MainThread",),
        started=84.2,
        wall=0.8,
        request_walls=(0.8,),
        loop_max_lag=0.75,
        loop_p99_lag=0.74,
        loop_blocked=0.78,
        ping_p99=0.8,
        ping_max=0.8,
        stalls=(
            StallSummary(
                "demoapp/views.py:118 in sync_orm_unguarded",
                0.75,
                "working",
                "demo",
                "froze 750 ms at demoapp/views.py:118 in sync_orm_unguarded",
            ),
        ),
        causes=make_causes(wall=0.8, working=0.78, longest_demo=0.75),
    )


def test_snapshot_main_screen(snap_compare, demo_db: Path, monkeypatch) -> None:
    app = frozen_app(demo_db, monkeypatch)

    async def before(pilot) -> None:
        await pilot.pause()  # the screen has mounted its widgets
        feed_heartbeat(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SNAPSHOT_SIZE, run_before=before)


def test_snapshot_pattern_selected(snap_compare, demo_db: Path, monkeypatch) -> None:
    app = frozen_app(demo_db, monkeypatch)
    assert snap_compare(
        app, terminal_size=SNAPSHOT_SIZE, press=["down", "down", "down", "down"]
    )


async def test_every_action_is_in_the_command_palette(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, live=False)
    async with app.run_test(size=SNAPSHOT_SIZE):
        titles = {command.title for command in app.get_system_commands(app.screen)}
    assert {"Burst", "Latency+", "Latency-", "Freeze", "Clear", "Tour"} <= titles
    assert {p.title for p in PATTERNS} <= titles


async def test_export_keys_write_the_session_and_the_screen(
    demo_db: Path, tmp_path: Path
) -> None:
    import json

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, export_dir=tmp_path)
    async with started(app) as pilot:
        await run_and_wait(pilot, "1")
        await pilot.press("w", "ctrl+s")
        await app.workers.wait_for_complete()
        for _ in range(50):  # the files are written in a thread
            if len(list(tmp_path.iterdir())) >= 4:
                break
            await asyncio.sleep(0.05)
    # Sorted by kind: the two exports may be stamped a second apart.
    kinds = sorted(p.name.split(".", 1)[1] for p in tmp_path.iterdir())
    assert kinds == ["csv", "json", "svg", "trace.json"]
    trace = json.loads(next(tmp_path.glob("*.trace.json")).read_text())
    assert any(e["name"] == "sleep-block" for e in trace["traceEvents"])
    assert "<svg" in next(tmp_path.glob("*.svg")).read_text()[:200]


async def test_large_mode_and_the_high_contrast_theme(demo_db: Path) -> None:
    from tui.ui.widgets.big_figure import BigFigure

    app = LoopbeatApp(
        demo_target(demo_db), catalog=PATTERNS, theme="loopbeat-contrast", large=True
    )
    async with started(app) as pilot:
        assert app.theme == "loopbeat-contrast"
        assert app.screen.has_class("large")
        assert not app.query_one("#source-view").display
        await run_and_wait(pilot, "1")
        digits = app.query_one(BigFigure).query_one("#big-digits").value
        assert float(digits) == pytest.approx(
            app.results[-1].loop_max_lag * 1000, abs=1
        )
        await pilot.press("l")
        assert not app.screen.has_class("large")
        assert app.query_one("#source-view").display


async def test_the_heap_is_frozen_while_the_app_runs_and_a_late_stall_is_dropped(
    demo_db: Path,
) -> None:
    import gc

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app):
        # Start-up's survivors are out of the collector's way while measuring.
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0  # handed back as the app closed
    # The watchdog can finish a stall while the monitor stops; by then the
    # widgets are gone, and the stall must be dropped, not raise.
    late = Stall(0.0, 0.2, "demoapp/views.py:1 in v", "demoapp/views.py:1 in v", ())
    app.main.show_loop_item(late)


async def test_the_latency_and_large_mode_are_state_the_screen_follows(
    demo_db: Path,
) -> None:
    # Typed state, not values copied by hand: setting it is all it takes.
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, live=False)
    async with app.run_test(size=(160, 45)) as pilot:
        app.latency_ms = 50.0
        await pilot.pause()
        assert app.bench.latency_ms == 50.0
        assert app.sub_title.startswith("simulated latency 50 ms")
        await pilot.press("minus")
        await pilot.pause()
        assert app.latency_ms == app.bench.latency_ms == 20.0
        assert app.sub_title.startswith("simulated latency 20 ms")
        app.main.large = True
        await pilot.pause()
        assert app.main.has_class("large")
        await pilot.press("l")
        assert not app.main.large and not app.main.has_class("large")
