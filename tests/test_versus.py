"""Head to head: two patterns side by side, on one scale."""

from dataclasses import replace
from pathlib import Path

from rich.text import Text

from tests.factories import make_result
from tests.test_app import frozen_app, started
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.lessons.versus import LAG, PAIRS, PING, WALL, comparison
from tui.ui.messages import RunsFinished
from tui.ui.widgets.versus_panel import (
    BAR_WIDTH,
    VersusPanel,
    big_wall,
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
        "n-plus-one took 6.8x as long as prefetched (1.36 s vs 200 ms)"
    )
    assert comparison(prefetched, n_plus_one) == comparison(n_plus_one, prefetched)
    assert big_wall(1.36) == ("1.36", "s")
    assert big_wall(0.2) == ("200", "ms")
    assert big_wall(0.0042) == ("4.2", "ms")


async def test_c_opens_it_enter_runs_both_one_after_the_other(demo_db: Path) -> None:
    from tui.ui.app import LoopbeatApp

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("c")
        panel = app.main.query_one(VersusPanel)
        assert panel.display and panel.has_focus
        assert [s.pattern.name for s in panel.specs] == [
            PAIRS[0].first,
            PAIRS[0].second,
        ]
        await pilot.press("enter")
        for _ in range(600):  # the two runs, one after the other (generously)
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if not panel.running:
                break
        assert [r.pattern for r in panel.results] == [PAIRS[0].first, PAIRS[0].second]
        first, second = panel.results
        assert first.started + first.wall <= second.started  # never together
        summary = str(panel.query_one("#versus-summary").render())
        assert "as long as" in summary
        assert f"#{first.number}" in summary and f"#{second.number}" in summary
        await pilot.press("c")
        assert [s.pattern.name for s in panel.specs] == [
            PAIRS[1].first,
            PAIRS[1].second,
        ]
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
        panel._asked = token = object()
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
        panel.post_message(RunsFinished(results, None, token))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(160, 45), run_before=before)


def test_two_values_under_the_floor_are_not_drawn_as_an_effect() -> None:
    """21 ms against 6 ms of lag, both "kept beating", is not a 3x effect."""
    small, smaller = figure_bars("worst loop lag", (0.021, 0.006), LAG.floor)
    assert bar_length(small) == round(BAR_WIDTH * 0.021 / LAG.floor) < BAR_WIDTH
    assert bar_length(smaller) <= 3
    # Above the floor, the larger fills the bar as before.
    big, _ = figure_bars("worst loop lag", (0.8, 0.13), LAG.floor)
    assert bar_length(big) == BAR_WIDTH
    quiet = make_result(pattern="n-plus-one", loop_max_lag=0.021)
    quieter = make_result(pattern="prefetched", loop_max_lag=0.006)
    line = comparison(quiet, quieter, replace(PAIRS[0], headline=(LAG,)))
    assert "both under 50.0 ms" in line and "x" not in line.split("(")[0]


def test_each_pair_leads_with_its_own_figure() -> None:
    assert PAIRS[0].headline[0] is WALL and PAIRS[1].headline[0] is WALL
    assert PAIRS[2].headline == (LAG, PING)
    unguarded = make_result(
        pattern="sync-unguarded", wall=0.9, loop_max_lag=0.802, ping_p99=0.809
    )
    async_for = make_result(
        pattern="async-for", wall=1.1, loop_max_lag=0.132, ping_p99=0.226
    )
    line = comparison(unguarded, async_for, PAIRS[2])
    assert line.startswith(
        "sync-unguarded's worst loop lag was 6.1x async-for's (802 ms vs 132 ms)"
    )
    assert "ping p99 was 3.6x async-for's (809 ms vs 226 ms)" in line
    assert "took" not in line  # the wall time is not the point here


def test_failures_are_said_never_compared() -> None:
    guarded = "SynchronousOnlyOperation: You cannot call this from an async context"
    one = make_result(pattern="n-plus-one", wall=1.5, error=guarded, status=500)
    other = make_result(pattern="prefetched", wall=1.0, error=guarded, status=500)
    both = comparison(one, other, PAIRS[0])
    assert both.startswith("both failed") and "as long as" not in both
    assert "raised SynchronousOnlyOperation" in both
    fine = make_result(pattern="prefetched", wall=0.2)
    single = comparison(one, fine, PAIRS[0])
    assert single.startswith("n-plus-one failed") and "as long as" not in single


def test_every_pair_runs_at_its_own_latency() -> None:
    for pair in PAIRS:
        assert [spec.latency_ms for spec in pair.specs] == [pair.latency_ms] * 2
    # The gathers differ only where there are waits to overlap or queue.
    assert PAIRS[1].latency_ms >= 20


async def test_a_pair_runs_at_its_latency_whatever_the_presenter_set(
    demo_db: Path,
) -> None:
    from tui.ui.app import LoopbeatApp

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        assert app.bench.latency_ms == 0
        await pilot.press("c", "c")  # the gathers
        panel = app.main.query_one(VersusPanel)
        assert f"latency {PAIRS[1].latency_ms:g} ms" in str(panel.border_title)
        assert f"latency {PAIRS[1].latency_ms:g} ms" in app.sub_title
        await pilot.press("enter")
        for _ in range(600):
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if not panel.running:
                break
        assert [r.latency_ms for r in panel.results] == [PAIRS[1].latency_ms] * 2
        await pilot.press("escape")
        await pilot.pause()
        assert f"latency {PAIRS[1].latency_ms:g}" not in app.sub_title
