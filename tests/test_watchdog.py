"""Races between the loop thread and the watchdog, held still to be tested.

Each needs the GIL to switch at one exact bytecode, which a real loop does
only now and then (about 2 runs in 5 of the starvation test in
``test_causes.py``); here a pretend loop stands still at that moment instead.
"""

import itertools
import threading
import time

from tui.instrument import selector as selector_module
from tui.instrument.framenames import FrameNames
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import BusyPeriod, Stall
from tui.instrument.stallcauses import CpuMark
from tui.instrument.stalls import StallWatchdog


def test_a_stall_the_loop_recorded_is_not_caught_again() -> None:
    # The loop recorded a long busy period as it ended (the watchdog had been
    # kept out by a thread holding the GIL) and then lost the GIL before it
    # marked the period over: the watchdog sees the loop still stuck since
    # that period's start, and must not record the same stall a second time.
    start = time.perf_counter() - 0.3
    period = BusyPeriod(start, 0.3)
    recorded: list[Stall] = []
    watchdog = StallWatchdog(
        loop_thread_id=threading.get_ident(),
        stuck_since=None,
        busy_since=lambda: start,  # not yet marked over
        busy_periods=lambda: (period,),
        late_wakes=lambda: (),
        running_owner=lambda: None,
        cpu_mark=lambda: None,
        threshold=0.05,
        names=FrameNames([]),
        on_ended=recorded.append,
    )
    mark = CpuMark(start, time.thread_time(), time.process_time())
    watchdog.busy_seen(start, 0.3, mark, owner=None)
    watchdog.start()
    try:
        time.sleep(0.2)  # the watchdog looks every 5 ms meanwhile
    finally:
        watchdog.stop()
    assert [s.start for s in recorded] == [start]


class PretendSelector:
    """Returns at once, noting the CPU mark the loop made before it waited."""

    def __init__(self, monitor: LoopMonitor) -> None:
        self.monitor = monitor
        self.mark_inside: CpuMark | None = None

    def select(self, timeout: float | None = None) -> list[object]:
        self.mark_inside = self.monitor._cpu_mark
        return []


def test_the_cpu_clocks_are_read_before_the_wall_clock(monkeypatch) -> None:
    # The loop can lose the GIL between two clock reads for as long as a
    # starving thread keeps it. CPU clocks read after the wall clock would
    # leave that wait out of the mark, and the starved wait measured from
    # the earlier wall time would read as nobody of ours running. One clock
    # here stands for all three and moves on at every read, so the order of
    # the reads is what the mark shows.
    reads = itertools.count()
    clock = lambda: float(next(reads))  # noqa: E731
    for name in ("perf_counter", "process_time", "thread_time"):
        monkeypatch.setattr(selector_module, name, clock)
    monitor = LoopMonitor()
    monitor._busy_since = clock()
    selector = PretendSelector(monitor)
    selector_module.TimedSelector(selector, monitor).select(0.01)
    for mark in (selector.mark_inside, monitor._cpu_mark):
        assert mark is not None
        assert mark.loop_cpu < mark.at and mark.process_cpu < mark.at, mark


def _recording_watchdog(recorded: list[Stall]) -> StallWatchdog:
    return StallWatchdog(
        loop_thread_id=threading.get_ident(),
        stuck_since=None,
        busy_since=lambda: None,
        busy_periods=lambda: (),
        late_wakes=lambda: (),
        running_owner=lambda: None,
        cpu_mark=lambda: None,
        threshold=0.05,
        names=FrameNames([]),
        on_ended=recorded.append,
    )


def _spin(seconds: float) -> None:
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


def test_an_unseen_stall_the_loop_worked_through_is_not_blamed_on_another_thread():
    # Freeing a large result holds the GIL without a break, so the watchdog
    # never looks; the loop's own clock shows it was the loop working, and
    # the line must not say another thread held the GIL.
    recorded: list[Stall] = []
    start = time.perf_counter()
    mark = CpuMark(start, time.thread_time(), time.process_time())
    _spin(0.08)  # this thread stands for the loop, on a CPU throughout
    duration = time.perf_counter() - start
    _recording_watchdog(recorded).busy_seen(start, duration, mark, ("demo", 7))
    (stall,) = recorded
    assert stall.cause == "working", stall.split
    assert "another thread" not in stall.innermost_frame
    assert "loop kept the GIL" in stall.innermost_frame
    assert (stall.owner, stall.run) == ("demo", 7)


def test_a_stall_with_no_stack_names_what_its_run_was_serving() -> None:
    from tui.instrument.formatting import describe_stall
    from tui.instrument.loopstats import CauseSplit

    stall = Stall(
        start=0.0,
        duration=0.0652,
        project_frame=None,
        innermost_frame="<not seen: the loop kept the GIL throughout>",
        stack=(),
        owner="demo",
        split=CauseSplit(working=0.06, queued=0.0052),
        run=3,
    )
    assert describe_stall(stall, "/async/iterate") == (
        "froze 65.2 ms serving /async/iterate (no stack: the loop kept the GIL "
        "throughout)"
    )
    assert describe_stall(stall) == (
        "froze 65.2 ms at <not seen: the loop kept the GIL throughout>"
    )


async def test_a_stall_is_kept_only_once_whole_and_a_run_waits_for_it(
    monkeypatch,
) -> None:
    # The watchdog used to put a stall in the history as it caught it and
    # fill it in later; a reader 30 ms after the run saw it half-written when
    # the watchdog was slow (a loaded laptop). Here the watchdog takes 0.2 s
    # to explain each stall: nothing may show until it is whole, and a run's
    # wait for its stalls must last until then.
    import asyncio

    from tui.instrument.stallcauses import StallCauses

    explain = StallCauses.explain

    def slowly(self, caught, duration):
        time.sleep(0.2)
        return explain(self, caught, duration)

    monkeypatch.setattr(StallCauses, "explain", slowly)
    seen_during: list[list[Stall]] = []
    async with LoopMonitor() as monitor:
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        watcher = threading.Timer(0.15, lambda: seen_during.append(monitor.stalls))
        watcher.start()
        time.sleep(0.3)  # the loop blocked; the watchdog catches it meanwhile
        ended = time.perf_counter()
        await asyncio.sleep(0.01)
        assert not [s for s in monitor.stalls if s.start >= started - 0.01]
        await monitor.stalls_settled(ended)
        kept = [s for s in monitor.stalls if s.start >= started - 0.01]
    watcher.join()
    assert not [s for s in seen_during[0] if s.start >= started - 0.01]
    (stall,) = kept
    assert stall.duration >= 0.29 and stall.split is not None


def test_loopbeats_own_code_is_never_the_projects() -> None:
    # The demo's repository holds loopbeat too: a stall inside the latency
    # hook must be pinned to the view that issued the query, never the hook.
    from pathlib import Path

    import demoapp.views
    import tui.engine.hooks
    import tui.instrument.heartbeat

    root = Path(demoapp.views.__file__).resolve().parent.parent
    names = FrameNames([str(root)])
    assert names.describe(demoapp.views.__file__) == ("demoapp/views.py", True)
    for module in (tui.engine.hooks, tui.instrument.heartbeat):
        assert names.describe(module.__file__)[1] is False, module.__name__


def test_a_stall_line_never_says_froze_for_a_loop_that_waited_for_a_cpu() -> None:
    from tui.instrument.formatting import describe_stall
    from tui.instrument.loopstats import CauseSplit

    stall = Stall(
        start=0.0,
        duration=0.177,
        project_frame=None,
        innermost_frame="<not seen: another thread held the GIL throughout>",
        stack=(),
        owner="demo",
        split=CauseSplit(working=0.01, starved=0.05, queued=0.117),
        culprit="ThreadPoolExecutor-86_0",
        run=2,
    )
    text = describe_stall(stall, "/async/iterate")
    assert text.startswith("machine busy 177 ms: the loop waited for a CPU and for ")
    assert "froze" not in text


def test_a_stall_in_djangos_code_after_the_view_names_what_it_served() -> None:
    # Freeing async for's result as the view returns runs in Django's frame:
    # no line of the project's is on the stack, so the run's URL is named.
    from tui.instrument.formatting import describe_stall
    from tui.instrument.loopstats import CauseSplit

    place = "django/core/handlers/base.py:317 in check_response"
    stall = Stall(
        start=0.0,
        duration=0.0617,
        project_frame=None,
        innermost_frame=place,
        stack=("asyncio/events.py:80 in _run", place),
        owner="demo",
        split=CauseSplit(working=0.06),
        run=2,
    )
    assert describe_stall(stall, "/async/iterate") == (
        f"froze 61.7 ms at {place}, serving /async/iterate"
    )
