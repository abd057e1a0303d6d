"""The slow-motion replay: the recording's arithmetic, and the panel in the app."""

import pytest

from tui.engine.replay import (
    PAD_SECONDS,
    REPLAY_SECONDS,
    Recording,
    StallMark,
    columns,
    record,
    run_columns,
)
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.ui.widgets.replay_panel import time_axis


def make(started: float = 10.0, ended: float = 10.6, **kwargs: object) -> Recording:
    fields: dict = {"lags": (), "pings": (), **kwargs}
    return record(1, "sync-unguarded", started, ended, **fields)


def test_a_freeze_grows_column_by_column_as_the_replay_reaches_it() -> None:
    # One tick 0.6 s late at t=10.6: the loop was stuck from 10.0 to 10.6.
    events = [(10.6, 0.6)]
    at_start = columns(events, since=9.5, column_seconds=0.1, count=17, at=10.0)
    midway = columns(events, since=9.5, column_seconds=0.1, count=17, at=10.3)
    after = columns(events, since=9.5, column_seconds=0.1, count=17, at=11.5)

    assert at_start[5] == pytest.approx(0.0)  # it has only just begun
    assert midway[5:9] == [pytest.approx(0.3)] * 4  # stuck 0.3 s so far
    assert midway[9:] == [None] * 8  # nothing drawn past the moment reached
    # Whole once it ended, on every column from its start to its end (both
    # ends on a boundary here: the end's column counts too).
    assert after[5:12] == [pytest.approx(0.6)] * 7
    assert after[:5] == [None] * 5 and after[12:] == [None] * 5


def test_each_column_keeps_its_largest_value() -> None:
    events = [(10.05, 0.001), (10.06, 0.02), (10.08, 0.002)]
    values = columns(events, since=10.0, column_seconds=0.1, count=3, at=11.0)
    assert values == [pytest.approx(0.02), None, None]


def test_events_outside_the_columns_are_left_out() -> None:
    events = [(5.0, 0.1), (20.0, 0.1)]
    assert (
        columns(events, since=10.0, column_seconds=0.1, count=5, at=30.0) == [None] * 5
    )


def test_the_recording_keeps_only_what_overlaps_the_padded_run() -> None:
    recording = make(
        lags=[(9.0, 0.001), (9.6, 0.001), (10.3, 0.2), (11.05, 0.001), (12.0, 0.1)],
        pings=[(11.5, 1.0), (13.0, 0.1)],
        stalls=[StallMark(10.1, 10.3, "froze"), StallMark(3.0, 3.1, "old")],
    )
    assert [end for end, _ in recording.lags] == [9.6, 10.3, 11.05]
    # A ping answered after the window but sent within it overlaps it.
    assert recording.pings == ((11.5, 1.0),)
    assert [s.text for s in recording.stalls] == ["froze"]
    assert recording.since == pytest.approx(10.0 - PAD_SECONDS)
    assert recording.largest == pytest.approx(1.0)


@pytest.mark.parametrize("wall", [0.01, 0.3, 1.0, 3.0, 6.0, 30.0])
def test_a_replay_is_slowed_down_but_never_drags(wall: float) -> None:
    recording = make(started=0.0, ended=wall)
    assert recording.slowdown >= 2
    if recording.slowdown > 2:  # the slowest speed that still fits
        assert recording.span * recording.slowdown <= REPLAY_SECONDS
    assert recording.moment(0.0) == recording.since
    assert recording.moment(10_000.0) == recording.until


def test_a_run_replayed_just_after_it_ended_ends_where_its_recording_does() -> None:
    whole = make(started=10.0, ended=10.6)
    early = make(started=10.0, ended=10.6, cut=10.8)
    assert whole.until == pytest.approx(11.1)
    assert early.until == pytest.approx(10.8)  # no silent tail to play
    assert make(started=10.0, ended=10.6, cut=10.0).until == pytest.approx(10.6)


def test_the_stall_named_is_the_one_the_replay_is_in() -> None:
    recording = make(
        stalls=[StallMark(10.0, 10.5, "froze 500 ms"), StallMark(10.2, 10.3, "inner")]
    )
    assert recording.stall_at(9.9) is None
    stall = recording.stall_at(10.25)
    assert stall is not None and stall.text == "froze 500 ms"  # the longest
    assert recording.stall_at(10.5) is None


def test_the_run_columns_are_its_start_and_end() -> None:
    recording = make(started=10.0, ended=10.6)  # shown from 9.5 to 11.1
    assert run_columns(recording, 0.1, 16) == (5, 11)


def test_the_time_axis_counts_from_the_run_start() -> None:
    axis = time_axis(since=-0.5, column_seconds=0.01, count=160)
    assert len(axis) == 160
    zero = axis.index("0┴")
    assert zero + 1 == 50  # the run starts 0.5 s, 50 columns, in
    # A label every 0.2 s (20 columns), each ┴ on its own moment's column.
    for seconds in (-0.4, -0.2, 0.2, 0.4, 1.0):
        label = f"{seconds:+g} s┴"
        assert axis.index(label) + len(label) - 1 == 50 + round(seconds * 100)


async def test_r_replays_the_last_run_and_the_freeze_is_in_it(demo_db) -> None:
    from tests.test_app import run_and_wait, started
    from tui.ui.app import LoopbeatApp
    from tui.ui.widgets.lag_graph import LagGraph
    from tui.ui.widgets.replay_panel import ReplayPanel

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert not app.main.query(ReplayPanel)  # nothing to replay yet
        assert any("Nothing to replay" in str(n.message) for n in app._notifications)

        result = await run_and_wait(pilot, "1")  # time.sleep(0.1) on the loop
        await pilot.press("r")
        await pilot.pause()
        panel = app.main.query_one(ReplayPanel)
        assert panel.display and panel.has_focus
        assert f"#{result.number} sleep-block" in str(panel.border_title)
        recording = panel.recording
        assert recording is not None and recording.number == result.number
        assert recording.stalls, "the 100 ms block was caught as a stall"

        # Drive the replay's clock by hand, and draw by hand (no waiting for
        # its timer): into the middle of the stall...
        now = [0.0]
        panel.clock = lambda: now[0]
        await pilot.press("enter")  # play again, on the new clock
        # The block itself: on a loaded machine other stalls may come first.
        stall = max(
            recording.stalls, key=lambda s: ("demoapp" in s.text, s.end - s.start)
        )
        middle = (stall.start + stall.end) / 2
        now[0] = (middle - recording.since) * recording.slowdown
        assert not panel.redraw()
        await pilot.pause()
        status = str(panel.query_one("#replay-status").render())
        assert stall.text in status
        halfway = list(panel.query_one("#replay-lag", LagGraph).values)
        newest = max(i for i, v in enumerate(halfway) if v is not None)
        # ...and then to the end, where the whole of it is drawn.
        now[0] = 1000.0
        assert panel.redraw()
        await pilot.pause()
        assert panel.finished
        lag = panel.query_one("#replay-lag", LagGraph).values
        assert max(v for v in lag if v is not None) >= 0.09
        # Halfway, the freeze was still growing in its column (on a loaded
        # machine other lags, before it, may be as tall as it is).
        assert (halfway[newest] or 0.0) < (lag[newest] or 0.0), (halfway, lag)
        assert result.verdict in str(panel.query_one("#replay-status").render())

        # r in the panel takes the newest run: one that finished meanwhile.
        await pilot.press("escape")
        newer = await run_and_wait(pilot, "2")
        await pilot.press("r")
        await pilot.pause()
        assert panel.display and panel.recording is not None
        assert panel.recording.number == newer.number
        await pilot.press("r")
        await pilot.pause()
        assert panel.recording.number == newer.number

        # Another panel opened over it: its timer stops, it draws no more.
        await pilot.press("enter")
        assert not panel.finished
        await pilot.press("o")  # the tour
        await pilot.pause()
        assert not panel.display and panel.paused
        await pilot.press("escape")

        await pilot.press("r")
        await pilot.pause()
        assert panel.display and not panel.paused
        await pilot.press("escape")
        await pilot.pause()
        assert not panel.display


def a_freeze_recorded() -> Recording:
    """An idle loop, then a run that froze it 600 ms, and pings caught behind it."""
    lags = [(99.0 + i * 0.005, 0.0004 + (i % 5) * 0.0003) for i in range(100)]
    lags += [(100.61, 0.6)]
    lags += [(100.61 + i * 0.005, 0.0005 + (i % 3) * 0.0004) for i in range(1, 110)]
    pings = [(99.0 + i * 0.05, 0.003) for i in range(10)]
    pings += [(100.62, 0.6), (100.63, 0.2), (100.7, 0.004), (100.8, 0.003)]
    stall = StallMark(100.01, 100.61, "froze 600 ms at demoapp/views.py:119 in x")
    return record(
        7,
        "sync-unguarded",
        100.0,
        100.62,
        lags,
        pings,
        [stall],
        "froze the loop for 600 ms",
    )


def test_snapshot_replay_in_the_middle_of_a_freeze(
    snap_compare, demo_db, monkeypatch
) -> None:
    from tests.test_app import frozen_app
    from tui.ui.widgets.replay_panel import ReplayPanel

    app = frozen_app(demo_db, monkeypatch)
    recording = a_freeze_recorded()

    async def before(pilot) -> None:
        await pilot.pause()
        app.main.replay(recording)
        await pilot.pause()
        panel = app.main.query_one(ReplayPanel)
        now = [0.0]
        panel.clock = lambda: now[0]
        await pilot.press("enter")
        # 0.3 s into the freeze: half of it drawn, growing.
        now[0] = (100.31 - recording.since) * recording.slowdown
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(110, 34), run_before=before)
