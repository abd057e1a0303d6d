"""Is this machine quiet enough to trust short runs? Measured, before the talk.

Once loopbeat's own start-up has settled (the first frames, Django's imports,
a database seeded a moment ago), the loop does nothing but beat for a second
while the machine's CPUs and the loop thread's run-queue wait are read; then
a control case (``await asyncio.sleep(0.1)``, which must keep the loop
beating) runs a few times. A laptop in a video call, with screen sharing, a
browser and an indexer, can keep the loop from a CPU for longer than a short
run lasts: the verdicts then say "machine busy" beside them, and this says so
up front. The machine is judged by what the machine did: other processes'
CPU and the loop's wait for a CPU. The heartbeat's lag is reported beside
them, never judged: it also holds loopbeat's own work, and a speaker must
never be told to close apps because of that.

No Textual: ``--check`` prints it and the app logs it in its first seconds.
"""

import asyncio
import time
from dataclasses import dataclass

from tui.engine.bench import Bench
from tui.engine.runs import RunSpec
from tui.engine.verdicts import KEPT_BEATING
from tui.instrument.formatting import format_seconds
from tui.instrument.threadtimes import machine_cpu, read_thread

_machine_cpu = machine_cpu
"""The machine's CPU readings (a name of its own, so tests can stand in for it)."""

IDLE_SECONDS = 1.0
CONTROL_RUNS = 3
ATTEMPTS = 20
"""Idle seconds and control runs tried before giving up on a busy presenter."""
SETTLE_WINDOW = 0.25
"""Seconds of loop time looked at to tell whether start-up has settled."""
SETTLED_BUSY_SHARE = 0.15
"""The loop busy at most this share of a window counts as settled."""
SETTLE_LIMIT = 8.0
"""Seconds to wait for start-up to settle before measuring anyway."""
QUIET_QUEUED_SHARE = 0.02
"""Share of the idle second the loop thread may queue for a CPU."""
QUIET_OTHERS_SHARE = 0.5
"""Share of all CPUs other processes may use, and the machine still be quiet."""


@dataclass(frozen=True)
class NoiseReport:
    """What the quiet second and the control runs measured."""

    lag_p99: float
    lag_max: float
    loop_queued_share: float
    others_busy_share: float
    """Share of all CPUs used by other processes (None of ours)."""
    control_kept_beating: int
    control_runs: int

    @property
    def quiet(self) -> bool:
        """Whether short runs can be trusted on this machine now.

        Judged by the machine alone: other processes' CPU, the loop's wait
        for a CPU, and the control case. Lag is not judged: loopbeat's own
        work is in it.
        """
        return not self.reasons()

    def reasons(self) -> list[str]:
        """What made the machine busy, as measured; empty when it is quiet."""
        reasons = []
        if self.others_busy_share >= QUIET_OTHERS_SHARE:
            reasons.append(
                f"other processes used {self.others_busy_share:.0%} of the CPUs"
            )
        if self.loop_queued_share >= QUIET_QUEUED_SHARE:
            reasons.append(
                f"the loop queued for a CPU {self.loop_queued_share:.1%} of the time"
            )
        if self.control_kept_beating < self.control_runs:
            reasons.append(
                f"the control case kept beating {self.control_kept_beating} of "
                f"{self.control_runs}"
            )
        return reasons

    def sentence(self) -> str:
        """One plain line for the screen or the terminal."""
        figures = (
            f"other processes used {self.others_busy_share:.0%} of the CPUs; the "
            f"loop queued for a CPU {self.loop_queued_share:.1%} of the time; "
            f"control case kept beating {self.control_kept_beating} of "
            f"{self.control_runs}; idle lag p99 {format_seconds(self.lag_p99)}, max "
            f"{format_seconds(self.lag_max)}"
        )
        if self.quiet:
            return f"machine quiet enough to trust short runs ({figures})"
        return (
            f"machine busy ({'; '.join(self.reasons())}): short runs may read "
            f"'machine busy' and lag more; close what you can "
            f"({figures})"
        )


class Undisturbed:
    """Whether the presenter's runs stayed out of a stretch of the check.

    A run fired in the app's first seconds would otherwise be measured as
    the machine's noise: a 100 ms block in the "idle" second reads as a
    busy machine, a freeze during a control run as a failed control.
    """

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.started = bench.runs_started

    def __bool__(self) -> bool:
        bench = self.bench
        return bench.runs_in_flight == 0 and bench.runs_started == self.started


async def _when_no_runs(bench: Bench) -> Undisturbed:
    while bench.runs_in_flight:
        await asyncio.sleep(0.1)
    return Undisturbed(bench)


async def measure_noise(bench: Bench) -> NoiseReport | None:
    """Listen to the idle loop for a second, then run the control case.

    Stretches the presenter's runs overlapped are measured again; None if
    they kept overlapping (``ATTEMPTS`` tries). The control runs are not
    kept with the session's results.
    """
    monitor = bench.monitor
    if monitor is None:
        raise RuntimeError("the bench has not started")
    await _start_up_settled(bench)
    attempts = 0
    while True:
        attempts += 1
        if attempts > ATTEMPTS:
            return None
        undisturbed = await _when_no_runs(bench)
        idle = await _idle_second(bench)
        if undisturbed:
            break
    control = RunSpec(bench.target.control_path, latency_ms=0.0)
    kept = done = 0
    while done < CONTROL_RUNS:
        attempts += 1
        if attempts > ATTEMPTS:
            return None
        undisturbed = await _when_no_runs(bench)
        result = await bench.run_unrecorded(control)
        if undisturbed:
            done += 1
            kept += result.judgement.kind == KEPT_BEATING
    return NoiseReport(*idle, control_kept_beating=kept, control_runs=CONTROL_RUNS)


async def _start_up_settled(bench: Bench) -> None:
    """Wait until the loop is mostly idle: loopbeat's start-up is not noise.

    The first frames, Django's imports and a seeding just finished keep the
    loop busy for a while after the app opens; measured then, they read as a
    busy machine on a quiet one. Waits ``SETTLE_LIMIT`` at most.
    """
    monitor = bench.monitor
    assert monitor is not None
    deadline = time.perf_counter() + SETTLE_LIMIT
    while time.perf_counter() < deadline:
        since = time.perf_counter()
        await asyncio.sleep(SETTLE_WINDOW)
        if monitor.stats(since=since).utilization < SETTLED_BUSY_SHARE:
            return


async def _idle_second(bench: Bench) -> tuple[float, float, float, float]:
    """Lag p99 and max, the loop's queued share, other processes' CPU share."""
    monitor = bench.monitor
    assert monitor is not None
    loop_before = read_thread(monitor.loop_native_id)
    busy_before, total_before = _machine_cpu()
    ours_before = time.process_time()
    since = time.perf_counter()
    await asyncio.sleep(IDLE_SECONDS)
    until = time.perf_counter()
    busy_after, total_after = _machine_cpu()
    ours = time.process_time() - ours_before
    loop_after = read_thread(monitor.loop_native_id)
    stats = monitor.stats(since=since, until=until)
    queued = (loop_after - loop_before).queued if loop_before and loop_after else 0.0
    all_cpus = total_after - total_before  # CPU-seconds on offer
    others = busy_after - busy_before - ours
    return (
        stats.p99,
        stats.max,
        queued / (until - since),
        max(0.0, others) / all_cpus if all_cpus > 0 else 0.0,
    )
