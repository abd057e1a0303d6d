"""Causes on real threads: the loop working, blocked, starved, and who drew.

Each case is made to happen for real on the running loop and judged by the
main cause, never by how long it took, so a loaded machine cannot flip it.
"""

import asyncio
import gc
import sys
import threading
import time
import weakref
from collections.abc import Awaitable, Callable

import pytest

from tui.engine.verdicts import BLOCKED, FROZE, KEPT_BEATING, STARVED, judge
from tui.instrument.causes import CauseMeter, RunCauses
from tui.instrument.formatting import describe_stall
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.owners import DEMO, OWNER, SCREEN, context_of
from tui.instrument.threadtimes import available

pytestmark = pytest.mark.skipif(
    not available(), reason="per-thread scheduler times need Linux /proc"
)


def spin(seconds: float) -> None:
    """Python work that holds the GIL except at switch intervals."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def caused(
    monitor: LoopMonitor, work: Callable[[], Awaitable[None]]
) -> RunCauses:
    """The causes over ``work``, run as the demo's."""
    meter = CauseMeter(monitor, monitor.ledger, monitor.loop_native_id)
    mark = meter.begin()
    # As the client does: tasks started now copy the owner, and the loop's
    # callbacks for them are charged to the demo.
    owner = OWNER.set(DEMO)
    try:
        await asyncio.create_task(work())
    finally:
        OWNER.reset(owner)
    await asyncio.sleep(0.01)  # the last late wake-up is recorded
    return meter.end(mark)


async def test_python_work_on_the_loop_froze_it() -> None:
    async def work() -> None:
        spin(0.2)

    async with LoopMonitor() as monitor:
        causes = await caused(monitor, work)
    split = causes.split
    # The machine may take a share (queued); of the demo's part, working wins.
    assert split.working > max(split.blocked, split.starved)
    assert judge(causes, None).kind == FROZE, causes


async def test_a_sleep_on_the_loop_blocked_it() -> None:
    async def work() -> None:
        time.sleep(0.2)

    async with LoopMonitor() as monitor:
        causes = await caused(monitor, work)
    assert causes.split.blocked > causes.split.working
    assert judge(causes, None).kind == BLOCKED


async def test_a_thread_spinning_python_starves_the_waiting_loop() -> None:
    # Long enough that, on a machine that lets the spinner run a third of
    # the time, its share still passes the 100 ms a starved verdict needs.
    async def work() -> None:
        await asyncio.to_thread(spin, 0.8)

    async with LoopMonitor() as monitor:
        causes = await caused(monitor, work)
    assert causes.threads_cpu[DEMO] > 0.05
    assert causes.split.starved > causes.split.working
    assert judge(causes, None).kind == STARVED


async def test_awaiting_keeps_the_loop_beating() -> None:
    async def work() -> None:
        await asyncio.sleep(0.2)

    async with LoopMonitor() as monitor:
        causes = await caused(monitor, work)
    assert judge(causes, None).kind == KEPT_BEATING


async def test_a_stall_while_drawing_is_labelled_drawing() -> None:
    loop = asyncio.get_running_loop()
    async with LoopMonitor(stall_threshold=0.05) as monitor:
        loop.call_soon(spin, 0.15, context=context_of(SCREEN))
        await asyncio.sleep(0.3)
    (stall,) = [s for s in monitor.stalls if s.owner == SCREEN]
    # On a loaded machine the text may add that a CPU was hard to get.
    assert describe_stall(stall).startswith("drawing the screen held the loop")


async def test_starvation_after_select_is_caught_and_names_the_thread() -> None:
    # With a long switch interval the spinner keeps the GIL for 150 ms at a
    # time: the loop's select() times out and it waits to run again, a late
    # wake-up no busy period sees. The watchdog must catch it all the same.
    # The spinner then stays alive, as a request's worker thread does until
    # its response is out: an ended thread has no clock left to name it by.
    done = threading.Event()

    def spin_then_wait() -> None:
        spin(0.6)
        done.wait(5)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.15)
    spinner = threading.Thread(target=spin_then_wait, name="spinner")
    try:
        async with LoopMonitor(stall_threshold=0.05) as monitor:
            await asyncio.sleep(0.02)
            spinner.start()
            await asyncio.sleep(0.8)
    finally:
        sys.setswitchinterval(previous)
        done.set()
        spinner.join()
    # The loop's waits after select() timed out are recorded...
    assert sum(p.duration for p in monitor.late_wakes(since=-1e9)) > 0.05
    # ...charged to the spinner or, while it held the GIL queued for a CPU
    # (a loaded machine), to the machine: never to the loop's own work or to
    # a system call. On a loaded machine the loop is at times caught losing
    # the GIL inside a callback rather than after select(), so it is the sum.
    stalls = [s for s in monitor.stalls if s.split is not None]
    waited = sum(s.split.starved + s.split.queued for s in stalls if s.split)
    assert waited >= 0.6 * sum(s.duration or 0.0 for s in stalls), stalls
    # ...and the thread that held the GIL is named, not the loop's line.
    named = [s for s in stalls if "spinner" in (s.culprit or "")]
    assert named, stalls
    assert all("spinner" in describe_stall(s) for s in named)


def hold_the_gil(seconds: float) -> None:
    """C work that never lets go of the GIL, as a garbage collection does."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(range(3_000_000))  # about 30-60 ms in C without a switch


async def test_a_thread_holding_the_gil_throughout_still_gets_its_stall() -> None:
    # The watchdog cannot look while another thread holds the GIL: the stall
    # is recorded as the loop gets back from select(), and named all the same.
    # The holder stays alive afterwards, as a request's worker thread does
    # until its response is out: a thread that has ended has no CPU clock
    # left to name it by, and then no thread is named.
    done = threading.Event()

    def hold_then_wait() -> None:
        hold_the_gil(0.5)
        done.wait(5)

    holder = threading.Thread(target=hold_then_wait, name="holder")
    try:
        async with LoopMonitor(stall_threshold=0.02) as monitor:
            await asyncio.sleep(0.02)
            holder.start()
            await asyncio.sleep(0.6)
    finally:
        done.set()
        holder.join()
    # Named whether the stall reads starved or, on a loaded machine where the
    # holder also queued for a CPU, machine busy.
    named = [s for s in monitor.stalls if s.culprit]
    assert any("holder" in (s.culprit or "") for s in named), monitor.stalls
    # No other thread is ever blamed for the holder's GIL.
    assert {(s.culprit or "").split(" ")[0] for s in named} == {"holder"}


class Payload:
    """Stands in for a worker's result set: something a weak reference sees."""


async def test_catching_a_stall_keeps_no_threads_locals_alive() -> None:
    # The watchdog reads every thread's stack when it catches a stall. Kept
    # frames once held a worker's 100k models in a reference cycle until a
    # full collection, which then ran, 240 ms long, inside a later run.
    released = threading.Event()
    seen: list[weakref.ref] = []

    def worker() -> None:
        payload = Payload()
        seen.append(weakref.ref(payload))
        released.wait(5)

    thread = threading.Thread(target=worker, name="holder-of-rows")
    gc.disable()  # freed by reference counting alone, or the test fails
    try:
        async with LoopMonitor(stall_threshold=0.03) as monitor:
            thread.start()
            await asyncio.sleep(0.02)
            time.sleep(0.15)  # a stall, caught while the worker holds payload
            await asyncio.sleep(0.05)
            released.set()
            await asyncio.to_thread(thread.join)
            await asyncio.sleep(0.05)
        assert monitor.stalls, "the block was not caught"
        assert seen[0]() is None, "the stall catch kept the worker's frame alive"
    finally:
        released.set()
        gc.enable()
