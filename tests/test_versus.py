"""Head to head: two patterns side by side, on one scale."""

from pathlib import Path

from rich.text import Text

from tests.factories import make_result
from tests.test_app import frozen_app, started
from tui.lessons.demo import demo_target
from tui.ui.messages import RunsFinished
from tui.ui.widgets.versus_panel import (
    BAR_WIDTH,
    PAIRS,
    VersusPanel,
    big_wall,
    comparison,
    figure_bars,
)


def bar_length(text: Text) -> int:
    return text.plain.count("█")


def test_both_sides_share_one_scale() -> None:
    slow, fast = figure_bars("wall", (1.2, 0.12))
    assert bar_length(slow) == BAR_WIDTH  # the larger fills the bar
    assert bar_length(fast) == round(BAR_WIDTH * 0.1)
    assert "1.20 s" in slow.plain and "120 ms" in fast.plain
    # A tiny value still shows; an unmeasured one says so.
    tiny, large = figure_bars("ping p99", (0.0001, 1.0))
    assert bar_length(tiny) == 1
    assert bar_length(large) == BAR_WIDTH
    measured, missing = figure_bars("ping p99", (0.002, None))
    assert bar_length(measured) == BAR_WIDTH
    assert "not measured" in missing.plain


def test_the_comparison_line_and_the_big_digits_come_from_the_walls() -> None:
    n_plus_one = make_result(pattern="n-plus-one", wall=1.36)
    prefetched = make_result(pattern="prefetched", wall=0.2)
    assert comparison(n_plus_one, prefetched) == (
        "n-plus-one took 6.8x as long as prefetched"
    )
    assert comparison(prefetched, n_plus_one) == comparison(n_plus_one, prefetched)
    assert big_wall(1.36) == ("1.36", "s")
    assert big_wall(0.2) == ("200", "ms")
    assert big_wall(0.0042) == ("4.2", "ms")


async def test_c_opens_it_enter_runs_both_one_after_the_other(demo_db: Path) -> None:
    from tui.ui.app import LoopbeatApp

    app = LoopbeatApp(demo_target(demo_db))
    async with started(app) as pilot:
        await pilot.press("c")
        panel = app.main.query_one(VersusPanel)
        assert panel.display and panel.has_focus
        assert [s.pattern.name for s in panel.specs] == list(PAIRS[0])
        await pilot.press("enter")
        for _ in range(600):  # the two runs, one after the other (generously)
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if not panel.running:
                break
        assert [r.pattern for r in panel.results] == list(PAIRS[0])
        first, second = panel.results
        assert first.started + first.wall <= second.started  # never together
        summary = str(panel.query_one("#versus-summary").render())
        assert "as long as" in summary
        assert f"#{first.number}" in summary and f"#{second.number}" in summary
        await pilot.press("c")
        assert [s.pattern.name for s in panel.specs] == list(PAIRS[1])
        assert panel.results == ()  # a new pair starts empty
        await pilot.press("escape")
        await pilot.pause()
        assert not panel.display


def test_snapshot_head_to_head(snap_compare, demo_db: Path, monkeypatch) -> None:
    app = frozen_app(demo_db, monkeypatch)

    async def before(pilot) -> None:
        await pilot.pause()
        await pilot.press("c")
        panel = app.main.query_one(VersusPanel)
        panel.running = True
        results = (
            make_result(
                pattern="n-plus-one",
                number=7,
                wall=1.36,
                loop_max_lag=0.012,
                ping_p99=0.009,
            ),
            make_result(
                pattern="prefetched",
                number=8,
                wall=0.2,
                loop_max_lag=0.004,
                ping_p99=0.003,
            ),
        )
        panel.post_message(RunsFinished(results))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 45), run_before=before)
