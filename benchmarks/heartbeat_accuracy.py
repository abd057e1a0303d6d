"""Heartbeat accuracy and cost: blocks of known length against what it reads.

Run: ``python benchmarks/heartbeat_accuracy.py [--rounds 5] [--quick]`` (about
a minute). Blocks the loop with ``time.sleep`` for 10, 50, 200 and 1000 ms,
several times each, and prints per length the busy-period reading, the
tick-lag reading beside it, both errors against the block's measured length,
and whether the watchdog named the line that slept. Then the monitor's CPU
cost at idle against a bare 5 ms ``asyncio.sleep`` task: each in a process
of its own, the two (and a process doing nothing) side by side over the same
seconds, ``--rounds`` times, so a shared machine's load hits them alike; the
ratio is the median of the rounds' ratios (target: at most 1.2x). And the
idle tick lag. Each figure is printed beside its target with PASS or MISS.
"""

import argparse
import asyncio
import inspect
import json
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tui.instrument.heartbeat import LoopMonitor

BLOCKS = [(0.010, 5), (0.050, 5), (0.200, 5), (1.000, 3)]  # seconds, repetitions
IDLE = 5.0
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


IDLE_CHILD = """
import asyncio, json, sys, time
sys.path.insert(0, sys.argv[3])
from tui.instrument.heartbeat import LoopMonitor

async def bare_ticks():
    while True:
        await asyncio.sleep(0.005)

async def main(kind, seconds):
    if kind == "monitor":
        monitor = LoopMonitor()
        monitor.start()
    elif kind == "bare":
        ticks = asyncio.create_task(bare_ticks())
    await asyncio.sleep(0.5)  # started and settled
    cpu, started = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    share = (time.process_time() - cpu) / (time.perf_counter() - started)
    result = {"cpu": share}
    if kind == "monitor":
        stats = monitor.stats(since=started)
        result |= {"p50": stats.p50, "p99": stats.p99, "max": stats.max}
        result["utilization"] = stats.utilization
        await monitor.stop()
    print(json.dumps(result))

asyncio.run(main(sys.argv[1], float(sys.argv[2])))
"""
"""One idle process: ``none`` (a loop doing nothing), ``bare`` (a 5 ms tick
task) or ``monitor`` (a LoopMonitor); prints its CPU share as JSON."""


def idle_round(seconds: float) -> dict[str, dict[str, float]]:
    """The three kinds side by side, each in its own process, at once."""
    root = str(Path(__file__).resolve().parent.parent)
    procs = {
        kind: subprocess.Popen(
            [sys.executable, "-c", IDLE_CHILD, kind, str(seconds), root],
            stdout=subprocess.PIPE,
            text=True,
        )
        for kind in ("none", "bare", "monitor")
    }
    return {kind: json.loads(proc.communicate()[0]) for kind, proc in procs.items()}


def idle(seconds: float, rounds: int) -> None:
    print()
    print(
        f"idle, {rounds} round(s) of {seconds:g} s, three processes side by side,"
        " CPU as % of one core:"
    )
    runs = [idle_round(seconds) for _ in range(rounds)]
    share = {
        kind: statistics.median(r[kind]["cpu"] * 100 for r in runs)
        for kind in ("none", "bare", "monitor")
    }
    ratio = statistics.median(r["monitor"]["cpu"] / r["bare"]["cpu"] for r in runs)
    overhead = share["monitor"] - share["none"]
    print(
        f"  monitor overhead {overhead:.2f} % (target < 1 %) {verdict(overhead < 1)}"
        f"  [no monitor {share['none']:.2f} %, monitor {share['monitor']:.2f} %]"
    )
    rounds_text = " ".join(
        f"{r['monitor']['cpu'] / r['bare']['cpu']:.2f}" for r in runs
    )
    print(
        f"  monitor against a bare 5 ms asyncio.sleep task ({share['bare']:.2f} %):"
        f" {ratio:.2f}x (target <= 1.2x) {verdict(ratio <= 1.2)}"
        f"  [rounds: {rounds_text}]"
    )
    p50 = statistics.median(r["monitor"]["p50"] for r in runs)
    p99 = statistics.median(r["monitor"]["p99"] for r in runs)
    worst = max(r["monitor"]["max"] for r in runs)
    busy = statistics.median(r["monitor"]["utilization"] for r in runs)
    print(
        f"  lag p50 {ms(p50)} ms, p99 {ms(p99)} ms"
        f" (target p99 < 1 ms) {verdict(p99 < 0.001)},"
        f" max {ms(worst)} ms, utilization {busy:.2%}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=IDLE, help="per round")
    parser.add_argument(
        "--quick", action="store_true", help="a few seconds: proves it runs (CI)"
    )
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.system()}")
    if args.quick:
        BLOCKS[:] = [(0.010, 1), (0.050, 1)]
        args.rounds, args.seconds = 1, 1.0
    asyncio.run(accuracy())
    idle(args.seconds, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
