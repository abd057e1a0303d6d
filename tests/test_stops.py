"""A stopped process (kill -STOP, Ctrl+Z) is said to be stopped, not blamed."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.instrument import stops
from tui.instrument.stops import STOPPED_MIN, StopDetector


class Clocks:
    """Hand-driven stand-ins for the wall, process-CPU and queue clocks."""

    def __init__(self) -> None:
        self.wall = 100.0
        self.cpu = 5.0
        self.queued = 0.0


@pytest.fixture
def clocks(monkeypatch: pytest.MonkeyPatch) -> Clocks:
    clocks = Clocks()
    monkeypatch.setattr(stops, "perf_counter", lambda: clocks.wall)
    monkeypatch.setattr(stops, "process_time", lambda: clocks.cpu)
    monkeypatch.setattr(StopDetector, "_queued", lambda self: clocks.queued)
    return clocks


def test_an_oversleep_with_nobody_running_is_a_stop(clocks: Clocks) -> None:
    detector = StopDetector()
    detector.expect(0.05)
    clocks.wall += 5.05  # five seconds late, and no thread of ours ran
    clocks.cpu += 0.001
    detector.check()
    assert detector.stopped_within(0, 1000) == pytest.approx(5.0)
    detector.check()  # consumed: the same stop is never counted twice
    assert detector.stopped_within(0, 1000) == pytest.approx(5.0)


def test_an_oversleep_while_the_process_ran_or_queued_is_not(clocks: Clocks) -> None:
    detector = StopDetector()
    detector.expect(0.05)
    clocks.wall += 1.05
    clocks.cpu += 0.9  # a thread holding the GIL kept the watchdog out
    detector.check()
    detector.expect(0.05)
    clocks.wall += 1.05
    clocks.queued += 0.95  # the machine was too busy to run the watchdog
    detector.check()
    assert detector.stopped_within(0, 1000) == 0


def test_waking_on_time_is_not_a_stop(clocks: Clocks) -> None:
    detector = StopDetector()
    detector.expect(0.05)
    clocks.wall += 0.05 + STOPPED_MIN * 0.9
    detector.check()
    assert detector.stopped_within(0, 1000) == 0


CHILD = """
import asyncio, sys
from pathlib import Path
from tui.engine.bench import Bench
from tui.lessons.demo import demo_target
from tui.engine.runs import RunSpec
from tui.lessons.patterns import find

async def main():
    async with Bench(demo_target(Path(sys.argv[1]))) as bench:
        spec = RunSpec.parse(sys.argv[2], latency_ms=float(sys.argv[3]), catalog=find)
        reservation = bench.reserve([spec])
        started = lambda number, spec: print("started", flush=True)
        result = await bench.run(reservation.specs[0], on_start=started)
        print("verdict:", result.verdict, flush=True)
        for stall in result.stalls:
            print("stall:", stall.text, flush=True)

asyncio.run(main())
"""


@pytest.mark.parametrize(
    ("pattern", "latency_ms"),
    [("async-get-count", 700.0), ("sleep-block", 0.0)],
    ids=["waiting", "blocking"],
)
def test_a_run_the_process_was_stopped_in_is_unmeasured(
    demo_db: Path, pattern: str, latency_ms: float
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(demo_db), pattern, str(latency_ms)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "started"
        time.sleep(0.03)  # the request has gone out: the run is in flight
        os.kill(child.pid, signal.SIGSTOP)
        time.sleep(1.0)
        os.kill(child.pid, signal.SIGCONT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert "verdict: unmeasured: the process was stopped" in out, out
    assert "blocked the loop" not in out and "drawing the screen" not in out
