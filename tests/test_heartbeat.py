"""The heartbeat's measurements: blocks, statistics, stalls and clean shutdown.

Timing checks use generous bounds; the precise figures come from
benchmarks/heartbeat_accuracy.py.
"""

import asyncio
import inspect
import threading
import time
from pathlib import Path

import pytest

from tui.instrument import heartbeat
from tui.instrument.framenames import FrameNames
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import (
    MonitorCost,
    Sample,
    Stall,
    corrected_lags,
    percentile,
)

BLOCK = 0.2
WAIT = 5.0  # ceiling for waiting on an event, never a timing claim
# A plain blocking call on the loop thread: the very thing the monitor exists to see.
freeze = time.sleep


def next_line() -> str:
    """The line after the caller's, named the way stalls name frames."""
    caller = inspect.currentframe().f_back
    name = caller.f_code.co_name
    return f"tests/test_heartbeat.py:{caller.f_lineno + 1} in {name}"


async def next_stall(monitor: LoopMonitor) -> Stall:
    """Wait on the loop until the monitor hands a subscriber an ended stall."""
    arrived: asyncio.Future[Stall] = asyncio.get_running_loop().create_future()

    def on_item(item: Sample | Stall) -> None:
        if isinstance(item, Stall) and not arrived.done():
            arrived.set_result(item)

    unsubscribe = monitor.subscribe(on_item)
    try:
        return await asyncio.wait_for(arrived, WAIT)
    finally:
        unsubscribe()


@pytest.mark.asyncio
@pytest.mark.parametrize("use_selector", [True, False], ids=["selector", "tick"])
async def test_a_block_is_measured_and_blamed_on_its_line(use_selector: bool) -> None:
    async with LoopMonitor(use_selector=use_selector) as monitor:
        await asyncio.sleep(0.02)
        stall = asyncio.ensure_future(next_stall(monitor))
        await asyncio.sleep(0)  # let it subscribe before the loop freezes
        sent = time.perf_counter()
        sleeping_line = next_line()
        freeze(BLOCK)
        # Asked before the loop can breathe, as a request finishing now would.
        in_flight = monitor.stats(since=sent)
        stall = await stall
        late_tick = monitor.samples(since=sent)[0]

    assert monitor.mode == ("selector" if use_selector else "tick")
    assert 0.15 < in_flight.max < 0.4
    assert 0.15 < in_flight.blocked < 0.4
    assert in_flight.utilization > 0.9
    assert 0.15 < monitor.max_block() < 0.4
    assert 0.15 < monitor.stats().max < 0.4
    assert 0.15 < late_tick.lag < 0.4
    assert stall.project_frame == sleeping_line
    assert stall.innermost_frame == sleeping_line  # time.sleep has no Python frame
    assert stall.stack[-1] == sleeping_line
    assert any(frame.startswith("asyncio/") for frame in stall.stack)
    assert 0.15 < stall.duration < 0.4
    assert monitor.stalls == [stall]


@pytest.mark.asyncio
async def test_tick_mode_leaves_the_selector_alone() -> None:
    loop = asyncio.get_running_loop()
    selector = loop._selector
    async with LoopMonitor(use_selector=False) as monitor:
        await asyncio.sleep(0.05)
        assert loop._selector is selector
    assert monitor.mode == "tick"
    assert len(monitor.samples()) > 2


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile(values, 7) == 7  # p / 100 * n would round up to 8
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2
    assert percentile([1.0, 2.0, 3.0], 50) == 2  # rank 1.5 rounds up
    assert percentile([3.0], 99) == 3
    assert percentile([], 50) == 0.0


def test_missed_tick_correction_adds_the_swallowed_ticks() -> None:
    assert corrected_lags([1.0], 0.25) == [1.0, 0.75, 0.5, 0.25]
    assert corrected_lags([0.625, 0.1], 0.25) == [0.625, 0.375, 0.125, 0.1]
    assert corrected_lags([0.25, 0.0], 0.25) == [0.25, 0.0]
    assert corrected_lags([], 0.25) == []


def test_stats_over_a_span_are_exact() -> None:
    monitor = LoopMonitor(interval=0.25, busy_floor=0.5, window=1000)
    for t in range(1, 100):
        monitor._record(float(t), 0.0)
    monitor._record(100.0, 1.0)  # one freeze that swallowed three ticks

    raw = monitor.stats(since=0, until=100, corrected=False)
    fixed = monitor.stats(since=0, until=100)

    assert (raw.count, raw.p50, raw.p99, raw.max) == (100, 0.0, 0.0, 1.0)
    assert (fixed.count, fixed.p99, fixed.max) == (103, 0.75, 1.0)
    assert raw.blocked == fixed.blocked == 1.0
    assert raw.span == 100
    assert raw.utilization == pytest.approx(1.0 / 99)  # measured from t=1
    assert monitor.stats(since=0, until=99).max == 0.0
    assert [s.t for s in monitor.samples(since=10, until=12)] == [10.0, 11.0, 12.0]
    assert monitor.max_block(since=99.5, until=100) == 1.0


def test_a_span_ending_in_the_future_does_not_stretch_the_block_going_on_now() -> None:
    # A run's figures are read with a settling margin after its end, from a
    # callback on the loop: the loop is "busy" right then with loopbeat's own
    # reading, and that must not count up to a moment that has not come
    # (it read as a 20-25 ms lag on every run, the control case's included).
    monitor = LoopMonitor(interval=0.005, window=1000)
    monitor.mode = "selector"
    now = time.perf_counter()
    monitor._busy_since = now - 0.002  # the loop has been busy for 2 ms
    ahead = monitor.stats(since=now - 1, until=now + 0.5)
    assert ahead.max < 0.1
    assert monitor.max_block(since=now - 1, until=now + 0.5) < 0.1
    (period,) = monitor.busy_periods(since=now - 1, until=now + 0.5)
    assert 0.002 <= period.duration < 0.1


def test_ring_buffers_stay_bounded() -> None:
    monitor = LoopMonitor(capacity=100)
    for i in range(100_000):
        monitor._record(i * 0.005, 0.002 * (i % 2))
    everything = {"since": 0.0, "until": float("inf")}

    assert len(monitor.samples(**everything)) == 100
    assert len(monitor.busy_periods(**everything)) == 100
    assert len(monitor._totals) == 100
    assert monitor.samples(**everything)[-1].t == 99_999 * 0.005


def test_history_older_than_the_window_is_dropped() -> None:
    # Memory stops growing after one window, not when a buffer at last fills.
    monitor = LoopMonitor(interval=0.005, window=10.0, use_selector=False)
    for i in range(10_000):  # 50 s of ticks, every tenth 2 ms late
        monitor._record(i * 0.005, 0.002 if i % 10 == 0 else 0.0)
    everything = {"since": float("-inf"), "until": float("inf")}
    samples = monitor.samples(**everything)
    periods = monitor.busy_periods(**everything)

    assert samples[-1].t - samples[0].t <= 10.0
    assert len(samples) == pytest.approx(2000, abs=2)
    assert len(samples) < monitor.capacity
    assert len(monitor._totals) == len(samples)
    assert periods[0].end >= periods[-1].start - 10.0
    assert len(periods) == pytest.approx(200, abs=2)


@pytest.mark.asyncio
async def test_nothing_survives_stop() -> None:
    loop = asyncio.get_running_loop()
    selector = loop._selector
    threads, tasks = set(threading.enumerate()), asyncio.all_tasks()

    monitor = LoopMonitor()
    monitor.start()
    await asyncio.sleep(0.02)
    assert loop._selector is not selector
    assert "loopbeat-watchdog" in {thread.name for thread in threading.enumerate()}
    assert len(asyncio.all_tasks()) == len(tasks) + 1
    await monitor.stop()

    assert loop._selector is selector
    assert set(threading.enumerate()) == threads
    assert asyncio.all_tasks() == tasks

    with pytest.raises(KeyError):
        async with LoopMonitor():
            raise KeyError("even when the body fails")
    assert loop._selector is selector
    assert set(threading.enumerate()) == threads
    assert asyncio.all_tasks() == tasks


@pytest.mark.asyncio
async def test_the_monitor_counts_its_own_cost() -> None:
    monitor = LoopMonitor()
    assert monitor.own_cost == MonitorCost(0, 0.0, 0.0)
    started = time.perf_counter()
    async with monitor:
        await asyncio.sleep(0.2)
        # The watchdog has work to do too: a stall to catch and name.
        freeze(0.1)
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - started
    cost = monitor.own_cost
    assert cost.ticks == len(monitor.samples(since=float("-inf"))) > 5
    assert 0.0 < cost.loop_seconds < elapsed / 2
    assert 0.0 < cost.watchdog_cpu_seconds < elapsed


@pytest.mark.asyncio
async def test_subscribers_get_samples_and_stalls_and_survive_a_broken_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    received: list[Sample | Stall] = []
    threads: set[int] = set()
    broken_calls = 0

    def broken(item: Sample | Stall) -> None:
        nonlocal broken_calls
        broken_calls += 1
        raise RuntimeError("a panel with a bug")

    def collect(item: Sample | Stall) -> None:
        received.append(item)
        threads.add(threading.get_ident())

    async with LoopMonitor(stall_threshold=0.02, max_stalls=2) as monitor:
        monitor.subscribe(broken)
        unsubscribe = monitor.subscribe(collect)
        for _ in range(3):
            stall = asyncio.ensure_future(next_stall(monitor))
            await asyncio.sleep(0)
            freeze(0.06)
            await stall
        await asyncio.sleep(0.03)
        unsubscribe()
        count = len(received)
        await asyncio.sleep(0.03)

    samples = [item for item in received if isinstance(item, Sample)]
    assert len(samples) > 5
    delivered = [item for item in received if isinstance(item, Stall)]
    assert len(delivered) == 3
    assert monitor.stalls == delivered[-2:]  # bounded by max_stalls
    assert threads == {threading.get_ident()}  # delivered on the loop thread
    assert broken_calls > 5
    assert "a panel with a bug" in caplog.text
    assert len(received) == count  # unsubscribed


def test_frames_are_named_briefly_and_project_code_is_told_apart() -> None:
    root = Path(__file__).resolve().parent.parent
    names = FrameNames([str(root)])

    assert names.describe(__file__) == ("tests/test_heartbeat.py", True)
    assert names.describe(heartbeat.__file__) == ("tui/instrument/heartbeat.py", False)
    assert names.describe(pytest.__file__) == ("pytest/__init__.py", False)
    assert names.describe(str(root / ".venv" / "x.py")) == (".venv/x.py", False)
    assert names.describe(asyncio.__file__) == ("asyncio/__init__.py", False)
    assert names.describe("<frozen runpy>") == ("<frozen runpy>", False)
