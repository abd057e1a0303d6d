"""What the heartbeat records, and the statistics read off it.

The records (``Sample``, ``BusyPeriod``, ``Stall``) and the summaries
(``LagStats``, ``MonitorCost``) that ``tui.instrument.heartbeat.LoopMonitor`` produces,
and the two pure functions its statistics rest on: nearest-rank
``percentile`` and ``corrected_lags`` for the ticks a freeze swallowed.
Standard library only, like the monitor.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sample:
    """One heartbeat tick.

    Attributes:
        t: When the tick ran (perf_counter seconds).
        lag: How late it ran: actual sleep minus the interval, in seconds.
    """

    t: float
    lag: float


@dataclass(frozen=True, slots=True)
class BusyPeriod:
    """A stretch of time during which the loop could not react to anything.

    Attributes:
        start: When it began (perf_counter seconds).
        duration: How long it lasted, in seconds.
    """

    start: float
    duration: float

    @property
    def end(self) -> float:
        """When it ended (perf_counter seconds)."""
        return self.start + self.duration


WORKING = "working"
"""The loop thread was on a CPU: a blocking call's Python work, or its own."""
STARVED = "starved"
"""The loop thread was off a CPU while another thread of ours ran (the GIL)."""
BLOCKED = "blocked"
"""The loop thread was off a CPU and nobody of ours ran: a system call."""
MACHINE_BUSY = "machine busy"
"""The loop thread was ready but queued for a CPU another process had."""
CAUSES = (WORKING, STARVED, BLOCKED, MACHINE_BUSY)


@dataclass(frozen=True, slots=True)
class CauseSplit:
    """How long the loop was stuck for each cause, in seconds."""

    working: float = 0.0
    starved: float = 0.0
    blocked: float = 0.0
    queued: float = 0.0

    @property
    def main(self) -> str:
        """The cause that took the most time (working on a tie)."""
        times = {
            WORKING: self.working,
            STARVED: self.starved,
            BLOCKED: self.blocked,
            MACHINE_BUSY: self.queued,
        }
        return max(times, key=lambda cause: times[cause])


@dataclass(frozen=True, slots=True)
class Stall:
    """A stretch the loop could not react for longer than the stall threshold.

    Frames read like ``demoapp/views.py:42 in books_sync``, with paths relative
    to the project root or to site-packages.

    Attributes:
        start: When the loop stopped reacting (perf_counter seconds).
        duration: How long it stayed stuck, in seconds.
        project_frame: The innermost frame in project code, if any.
        innermost_frame: The innermost Python frame overall.
        stack: The loop thread's stack when caught, innermost last.
        late: False when the loop was running code (a busy period); True when
            its select() had timed out and it had not got back to run (a late
            wake-up: waiting for the GIL or a CPU).
        owner: Whose callback the loop was running (``tui.instrument.owners``), if busy.
        split: How the time divides between the causes, once it has ended.
        culprit: For a starved loop: the thread that held the CPU, and where.
        run: The demo run whose callback held the loop (``tui.instrument.owners.RUN``),
            0 when none did or it is not known.
        stopped: Of its duration, the time the whole process was stopped
            (``kill -STOP``, Ctrl+Z): nobody's doing of ours.
    """

    start: float
    duration: float
    project_frame: str | None
    innermost_frame: str
    stack: tuple[str, ...]
    late: bool = False
    owner: str | None = None
    split: CauseSplit | None = None
    culprit: str | None = None
    run: int = 0
    stopped: float = 0.0

    @property
    def mostly_stopped(self) -> bool:
        """True when the process was stopped for half the stall or more."""
        return self.stopped >= 0.5 * self.duration > 0

    @property
    def cause(self) -> str | None:
        """The main cause, once known."""
        return None if self.split is None else self.split.main


@dataclass(frozen=True, slots=True)
class MonitorCost:
    """What the monitor itself has cost.

    Attributes:
        ticks: Ticks taken since it started.
        loop_seconds: Time the loop spent recording them; the ticks'
            scheduling inside asyncio is not included, nor what subscribers do.
        watchdog_cpu_seconds: CPU time of the watchdog thread, counted when
            the monitor stops (0 until then).
    """

    ticks: int
    loop_seconds: float
    watchdog_cpu_seconds: float


@dataclass(frozen=True, slots=True)
class LagStats:
    """The loop's lateness over a span of time; every figure is in seconds.

    Attributes:
        count: How many lag values the percentiles describe (with missed-tick
            correction this includes the synthetic ones).
        p50: Median tick lag.
        p95: 95th percentile tick lag.
        p99: 99th percentile tick lag.
        max: The worst wait in the span: the larger of the worst tick lag and
            the longest busy period.
        blocked: Total time the loop was blocked: the larger of the summed busy
            periods and the summed tick lags, each counting stretches of at
            least the monitor's ``busy_floor``.
        utilization: Share of the span's wall time the loop was busy, 0 to 1.
        span: Length of the span the figures cover.
    """

    count: int
    p50: float
    p95: float
    p99: float
    max: float
    blocked: float
    utilization: float
    span: float


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the ``ceil(p/100 * n)``-th smallest value.

    Args:
        sorted_values: The values, in ascending order.
        p: The percentile, from 0 to 100.

    Returns:
        The value at that rank, or 0.0 when there are no values.
    """
    if not sorted_values:
        return 0.0
    # p * n / 100 rather than p / 100 * n: 7 / 100 * 100 is 7.000000000000001.
    rank = math.ceil(p * len(sorted_values) / 100)
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def corrected_lags(lags: Iterable[float], interval: float) -> list[float]:
    """Add the ticks a long lag swallowed (HdrHistogram's expected-interval fix).

    A 1 s freeze with a 5 ms interval is one late tick, but 200 ticks that
    should have run never did; left out, they would let the percentiles look
    healthy. So a lag ``L`` also adds ``L - interval``, ``L - 2 * interval``,
    and so on while the value stays above zero.

    Args:
        lags: Tick lags, in seconds.
        interval: The tick interval they were measured with, in seconds.

    Returns:
        Each lag followed by its synthetic ones.
    """
    values: list[float] = []
    for lag in lags:
        values.append(lag)
        missed = 1
        # Multiply rather than subtract repeatedly, so errors do not accumulate.
        while (value := lag - missed * interval) > 0:
            values.append(value)
            missed += 1
    return values
