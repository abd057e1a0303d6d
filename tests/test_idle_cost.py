"""What watching an idle loop costs: nothing timed per callback, few clock reads.

Between runs nobody reads the callback ledger's sums or a callback's CPU, so
the monitor neither wraps the loop's callbacks nor reads CPU clocks at every
select(); while a run is in flight it does both, as precisely as before. The
CPU figures themselves are measured in ``benchmarks/heartbeat_accuracy.py``;
here what is done is counted, never timed.
"""

import asyncio
import asyncio.events
import contextvars
import time

import pytest

from tui.instrument import selector
from tui.instrument.causes import CauseMeter
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.owners import DEMO, RUN, context_of

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


def spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def run_context(run: int) -> contextvars.Context:
    """The context a run's request callbacks carry: the demo's, and the run."""
    context = context_of(DEMO)
    context.run(RUN.set, run)
    return context


@pytest.mark.asyncio
async def test_untimed_a_stall_is_still_charged_to_its_run() -> None:
    # Nothing wants timings (the pytest plugin never does; between runs the
    # app does not): the owner and the run are read off the loop's stack.
    loop = asyncio.get_running_loop()
    async with LoopMonitor(stall_threshold=0.05) as monitor:
        loop.call_soon(spin, 0.15, context=run_context(7))
        await asyncio.sleep(0.2)
        await monitor.stalls_settled(time.perf_counter())
        assert asyncio.events.Handle._run is ORIGINAL_RUN
    (stall,) = [s for s in monitor.stalls if s.run == 7]
    assert stall.owner == DEMO


@pytest.mark.asyncio
async def test_a_callback_begun_before_its_run_wanted_timings_keeps_its_run() -> None:
    # The callback that starts a run is not timed (the ledger was put in
    # place while it ran), yet a freeze in it is the run's.
    loop = asyncio.get_running_loop()
    async with LoopMonitor(stall_threshold=0.05) as monitor:
        meter = CauseMeter(monitor, monitor.ledger, monitor.loop_native_id)
        marks = []

        def begin_then_freeze() -> None:
            marks.append(meter.begin(7))
            spin(0.15)

        loop.call_soon(begin_then_freeze, context=run_context(7))
        await asyncio.sleep(0.2)
        await monitor.stalls_settled(time.perf_counter())
        meter.end(marks[0])
    (stall,) = [s for s in monitor.stalls if s.run == 7]
    assert stall.owner == DEMO
