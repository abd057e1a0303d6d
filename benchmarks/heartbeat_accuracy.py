"""Heartbeat accuracy and cost: blocks of known length against what it reads.

Run: ``python benchmarks/heartbeat_accuracy.py`` (about 45 s). Blocks the loop
with ``time.sleep`` for 10, 50, 200 and 1000 ms, several times each, and prints
per length the busy-period reading, the tick-lag reading beside it, both errors
against the block's measured length, and whether the watchdog named the line
that slept. Then the monitor's CPU cost at idle (10 s with it against 10 s
without, in the same run; a bare tick task is measured too, for scale) and the
idle tick lag. Each figure is printed beside
its target with PASS or MISS.
"""

import asyncio
import inspect
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import LagStats

BLOCKS = [(0.010, 5), (0.050, 5), (0.200, 5), (1.000, 3)]  # seconds, repetitions
IDLE = 10.0
# Half the shortest block the watchdog must name: a 50 ms block would end right
# at the default 50 ms threshold, and a stall is only caught while it lasts.
STALL_THRESHOLD = 0.025
SETTLE = 0.1  # quiet time around each block, so readings do not run together


def block_loop(seconds: float) -> tuple[float, float]:
    """Block the loop thread the way a sync call in async code does."""
    start = time.perf_counter()
    time.sleep(seconds)
    return start, time.perf_counter()


def sleeping_line() -> str:
    """Where ``block_loop`` sleeps, named the way stalls name frames."""
    lines, first = inspect.getsourcelines(block_loop)
    offset = next(i for i, line in enumerate(lines) if "time.sleep(" in line)
    path = Path(__file__).resolve()
    return f"{path.relative_to(path.parent.parent)}:{first + offset} in block_loop"


@dataclass
class Reading:
    """One injected block and what the monitor made of it."""

    true: float
    busy: float
    tick: float
    named: bool


def tolerance(true: float) -> float:
    """The accuracy target for a block of this length: max(2 ms, 2 %)."""
    return max(0.002, 0.02 * true)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ms(seconds: float, sign: bool = False) -> str:
    return f"{seconds * 1000:+.2f}" if sign else f"{seconds * 1000:.2f}"


async def measure_block(monitor: LoopMonitor, seconds: float, line: str) -> Reading:
    await asyncio.sleep(SETTLE)
    start, end = block_loop(seconds)
    # Long enough for the late tick to land and the watchdog to close the stall.
    await asyncio.sleep(SETTLE)
    period = next(p for p in monitor.busy_periods(start, end) if p.start <= start)
    late_tick = monitor.samples(since=end)[0]
    stall = next((s for s in monitor.stalls if s.start == period.start), None)
    return Reading(
        true=end - start,
        busy=period.duration,
        tick=late_tick.lag,
        named=stall is not None and stall.project_frame == line,
    )


async def accuracy() -> None:
    line = sleeping_line()
    async with LoopMonitor(stall_threshold=STALL_THRESHOLD) as monitor:
        print(f"loop: {type(asyncio.get_running_loop()).__name__}, mode {monitor.mode}")
        print(f"watchdog threshold {STALL_THRESHOLD * 1000:.0f} ms, expects {line}")
        print()
        print(
            f"{'block':>7} {'runs':>4} | {'busy period':>11} {'worst err':>9}"
            f" {'target':>8} | {'tick lag':>8} {'worst err':>9} | watchdog named"
        )
        for seconds, runs in BLOCKS:
            readings = [
                await measure_block(monitor, seconds, line) for _ in range(runs)
            ]
            busy_errors = [r.busy - r.true for r in readings]
            tick_errors = [r.tick - r.true for r in readings]
            ok = all(
                abs(e) <= tolerance(r.true)
                for e, r in zip(busy_errors, readings, strict=True)
            )
            named = sum(r.named for r in readings)
            watchdog = (
                f"{named}/{runs} {verdict(named == runs)}" if seconds >= 0.05 else "n/a"
            )
            print(
                f"{ms(seconds):>7} {runs:>4} |"
                f" {ms(statistics.mean(r.busy for r in readings)):>11}"
                f" {ms(max(busy_errors, key=abs), sign=True):>9}"
                f" {ms(tolerance(seconds)):>5} {verdict(ok)} |"
                f" {ms(statistics.mean(r.tick for r in readings)):>8}"
                f" {ms(max(tick_errors, key=abs), sign=True):>9} | {watchdog}"
            )
    print("(all times in ms; errors are reading minus the block's measured length)")


async def bare_ticks(interval: float) -> None:
    """A tick task with no monitor around it: the floor any heartbeat pays."""
    while True:
        await asyncio.sleep(interval)


async def idle_cpu(kind: str) -> tuple[float, LagStats | None]:
    """Process CPU seconds over IDLE seconds of an otherwise idle loop."""
    monitor = LoopMonitor() if kind == "monitor" else None
    ticks = asyncio.create_task(bare_ticks(0.005)) if kind == "bare" else None
    if monitor is not None:
        monitor.start()
    cpu = time.process_time()
    started = time.perf_counter()
    await asyncio.sleep(IDLE)
    spent = time.process_time() - cpu
    if ticks is not None:
        ticks.cancel()
    if monitor is None:
        return spent, None
    idle_stats = monitor.stats(since=started)
    await monitor.stop()
    return spent, idle_stats


async def idle() -> None:
    print()
    print(f"idle, {IDLE:.0f} s each, CPU as % of one core:")
    without, _ = await idle_cpu("none")
    bare, _ = await idle_cpu("bare")
    with_it, idle_stats = await idle_cpu("monitor")
    assert idle_stats is not None  # a monitor ran
    without, bare, with_it = (cpu / IDLE * 100 for cpu in (without, bare, with_it))
    overhead = with_it - without
    print(
        f"  monitor overhead {overhead:.2f} % (target < 1 %) {verdict(overhead < 1)}"
        f"  [no monitor {without:.2f} %, monitor {with_it:.2f} %; for scale,"
        f" a bare 5 ms asyncio.sleep task alone {bare:.2f} %]"
    )
    print(
        f"  lag p50 {ms(idle_stats.p50)} ms, p99 {ms(idle_stats.p99)} ms"
        f" (target p99 < 1 ms) {verdict(idle_stats.p99 < 0.001)},"
        f" max {ms(idle_stats.max)} ms, utilization {idle_stats.utilization:.2%}"
    )


async def main() -> None:
    print(f"Python {platform.python_version()} on {platform.system()}")
    await accuracy()
    await idle()


if __name__ == "__main__":
    asyncio.run(main())
