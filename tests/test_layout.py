"""What each terminal size shows (the README's promises), and its snapshot."""

from pathlib import Path

import pytest
from textual.widget import Widget

from tests.test_app import feed_heartbeat, frozen_app, sample_result
from tui.instrument.loopstats import Stall
from tui.ui.app import LoopbeatApp
from tui.ui.widgets.results import ResultsTable

SIZES = {"80x24": (80, 24), "110x34": (110, 34), "160x45": (160, 45)}
SHOWN = {
    # The heartbeat, the last stall and a compact runs table with units stay.
    "80x24": {"patterns", "heartbeat", "results", "stall"},
    # Everything the README lists but the events log.
    "110x34": {
        "patterns",
        "explanation",
        "heartbeat",
        "source-view",
        "results",
        "stall",
    },
    "160x45": {
        "patterns",
        "explanation",
        "heartbeat",
        "source-view",
        "results",
        "log",
        "stall",
    },
}
PANELS = {
    "patterns",
    "explanation",
    "heartbeat",
    "source-view",
    "results",
    "log",
    "stall",
}
COLUMNS = {
    "80x24": {"#", "pattern", "verdict", "wall", "loop max"},
    "110x34": {
        "#",
        "pattern",
        "verdict",
        "wall",
        "loop max",
        "ping p99",
        "latency",
        "rows",
    },
    "160x45": {
        "#",
        "pattern",
        "verdict",
        "wall",
        "loop max",
        "ping p99",
        "latency",
        "rows",
        "queries on",
    },
}


async def show_a_run(app: LoopbeatApp, pilot) -> None:
    await pilot.pause()  # the screen has mounted its widgets
    feed_heartbeat(app)
    result = sample_result()
    app.main.run_started(result.number, result.spec)
    app.main.run_finished(result)
    app.main.show_stall(
        Stall(
            start=84.25,
            duration=0.75,
            project_frame="demoapp/views.py:118 in sync_orm_unguarded",
            innermost_frame="django/db/backends/sqlite3/base.py:360 in execute",
            stack=(),
        )
    )
    await pilot.pause()


def seen(widget: Widget) -> bool:
    """Displayed, with room for at least one line of content."""
    return widget.display and widget.content_region.height >= 1


@pytest.mark.parametrize("size", SIZES)
async def test_each_size_keeps_its_promise(size: str, demo_db: Path, monkeypatch):
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES[size]) as pilot:
        await show_a_run(app, pilot)
        shown = {name for name in PANELS if seen(app.main.query_one(f"#{name}"))}
        assert shown == SHOWN[size]
        table = app.main.query_one("#results", ResultsTable)
        assert set(table.columns_shown()) == COLUMNS[size]
        # No unit cut from the figures, the whole stall named.
        lag_line = app.main.heartbeat.query("StatsLine").first()
        assert lag_line.render().plain.rstrip().endswith("ms")
        stall_text = app.main.query_one("#stall").render().plain
        footer_keys = app.screen.query("FooterKey")
        last_key = max(footer_keys, key=lambda key: key.region.right)
        assert last_key.region.right <= SIZES[size][0]
    assert "sync_orm_unguarded" in stall_text.replace("\n", "")


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_after_a_run(snap_compare, size: str, demo_db: Path, monkeypatch):
    app = frozen_app(demo_db, monkeypatch)

    async def before(pilot) -> None:
        await show_a_run(app, pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=before)


def test_snapshot_large_mode(snap_compare, demo_db: Path, monkeypatch) -> None:
    app = frozen_app(demo_db, monkeypatch)

    async def before(pilot) -> None:
        await show_a_run(app, pilot)
        await pilot.press("l")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZES["110x34"], run_before=before)


def test_snapshot_contrast_theme(snap_compare, demo_db: Path, monkeypatch) -> None:
    app = frozen_app(demo_db, monkeypatch)

    async def before(pilot) -> None:
        app.theme = "loopbeat-contrast"
        await show_a_run(app, pilot)

    assert snap_compare(app, terminal_size=SIZES["110x34"], run_before=before)


async def test_narrowing_the_window_keeps_the_graph_history(demo_db, monkeypatch):
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES["160x45"]) as pilot:
        await show_a_run(app, pilot)
        graph = app.main.heartbeat.query("LagGraph").first()
        wide = graph.values
        assert max(v or 0.0 for v in wide) == 0.75  # the freeze is drawn
        await pilot.resize_terminal(*SIZES["80x24"])
        await pilot.pause()
        app.main.heartbeat.redraw()
        narrow = graph.values
        assert len(narrow) < len(wide) and narrow == wide[-len(narrow) :]
        await pilot.resize_terminal(*SIZES["160x45"])
        await pilot.pause()
        app.main.heartbeat.redraw()
        assert graph.values == wide  # redrawn from the data, none lost


async def test_the_events_log_rewraps_when_the_window_widens(demo_db, monkeypatch):
    async def log_lines(app: LoopbeatApp) -> list[str]:
        log = app.main.query_one("#log")
        return [log.render_line(y).text.rstrip() for y in range(log.size.height)]

    fresh = frozen_app(demo_db, monkeypatch)
    async with fresh.run_test(size=SIZES["160x45"]) as pilot:
        await show_a_run(fresh, pilot)
        expected = await log_lines(fresh)
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES["80x24"]) as pilot:  # the log is hidden
        await show_a_run(app, pilot)
        await pilot.resize_terminal(*SIZES["160x45"])
        await pilot.pause()
        assert await log_lines(app) == expected
    assert any(line.strip() for line in expected)


@pytest.mark.parametrize("size", SIZES)
async def test_a_long_verdict_is_shown_whole_and_each_run_says_its_latency(
    size: str, demo_db: Path, monkeypatch
) -> None:
    """Not "starved: waited 2.26 s for the GIL; mac…" beside empty columns."""
    from tests.factories import make_causes, make_result

    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZES[size]) as pilot:
        await pilot.pause()
        long = make_result(
            pattern="gather-orm",
            number=4,
            latency_ms=50,
            causes=make_causes(wall=3.0, starved=2.26, queued=1.1),
        )
        short = make_result(pattern="gather-orm", number=5, latency_ms=5)
        for result in (long, short):
            app.main.run_started(result.number, result.spec)
            app.main.run_finished(result)
        await pilot.pause()
        table = app.main.query_one("#results", ResultsTable)
        lines = [table.render_line(y).text for y in range(table.size.height)]
        verdict = long.verdict
        assert "machine busy" in verdict and len(verdict) > 40
        row = next(line for line in lines if line.startswith("4 "))
        if size == "80x24":  # no room: cut, but with nothing empty beside it
            assert len(row.rstrip()) >= table.size.width - 5
        else:
            assert verdict in row  # whole, not cut
        shown = table.columns_shown()
        assert {"wall", "loop max"} <= set(shown)  # still beside it
        if "latency" in shown:
            assert "50 ms" in row and "5 ms" in next(
                line for line in lines if line.startswith("5 ")
            )
        assert table.cell(4, "latency") == "50 ms"
