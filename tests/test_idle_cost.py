"""What watching an idle loop costs: nothing timed per callback, few clock reads.

Between runs nobody reads the callback ledger's sums or a callback's CPU, so
the monitor neither wraps the loop's callbacks nor reads CPU clocks at every
select(); while a run is in flight it does both, as precisely as before. The
CPU figures themselves are measured in ``benchmarks/heartbeat_accuracy.py``;
here what is done is counted, never timed.
"""

import asyncio
import asyncio.events
import time

import pytest

from tui.instrument import selector
from tui.instrument.causes import CauseMeter
from tui.instrument.heartbeat import LoopMonitor

ORIGINAL_RUN = asyncio.events.Handle._run


class CountingClock:
    """``time.thread_time`` that counts how often it is read."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return time.thread_time()


@pytest.mark.asyncio
async def test_callbacks_are_timed_only_while_a_run_wants_them() -> None:
    async with LoopMonitor() as monitor:
        await asyncio.sleep(0.05)
        assert asyncio.events.Handle._run is ORIGINAL_RUN
        counted = monitor.ledger.totals()["other"].count
        await asyncio.sleep(0.05)
        assert monitor.ledger.totals()["other"].count == counted

        meter = CauseMeter(monitor, monitor.ledger, monitor.loop_native_id)
        mark = meter.begin()
        assert asyncio.events.Handle._run is not ORIGINAL_RUN
        await asyncio.sleep(0.05)
        causes = meter.end(mark)
        assert asyncio.events.Handle._run is ORIGINAL_RUN
    # The heartbeat's ticks in the span were timed and charged to loopbeat.
    assert causes.busy["loopbeat"] > 0
    assert asyncio.events.Handle._run is ORIGINAL_RUN


@pytest.mark.asyncio
async def test_an_idle_loop_reads_the_cpu_clocks_about_once_a_tick(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = CountingClock()
    monkeypatch.setattr(selector, "thread_time", clock)
    async with LoopMonitor() as monitor:
        await asyncio.sleep(0.05)
        reads, ticks = clock.reads, monitor.own_cost.ticks
        await asyncio.sleep(0.4)
        idle_reads = clock.reads - reads
        idle_ticks = monitor.own_cost.ticks - ticks

        # A run in flight: every select() reads the clocks, going in and out.
        meter = CauseMeter(monitor, monitor.ledger, monitor.loop_native_id)
        mark = meter.begin()
        reads, selects = clock.reads, monitor.timed_wakes
        await asyncio.sleep(0.2)
        span_reads = clock.reads - reads
        span_selects = monitor.timed_wakes - selects
        meter.end(mark)
    assert idle_ticks > 10
    # Each tick is two selects (a wait, then a poll): four reads each way
    # before, now one pair per tick unless the loop is held up between.
    assert idle_reads < 2 * idle_ticks, (idle_reads, idle_ticks)
    assert span_reads >= 2 * span_selects > 0
