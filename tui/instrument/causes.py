"""Why the loop was slow during a run, and how much of that was the demo's doing.

Over a run's span three sources are combined:

* the callback ledger (``tui.instrument.owners``): how long the loop ran callbacks for
  the demo, for the screen and for loopbeat, and how much of the demo's was
  on a CPU;
* late wake-ups (``LoopHistory.late_wakes``): how long the loop thread was
  ready to run after select() and did not, waiting for the GIL or a CPU;
* per-thread scheduler times (``tui.instrument.threadtimes``): how long the loop thread
  queued for a CPU, and how much CPU the other threads used, the demo's
  worker threads apart from the screen's and loopbeat's own.

From these a ``RunCauses`` says, for the demo alone: working (its code on
the loop thread, on a CPU), blocked (its code on the loop thread, off a CPU:
a system call), starved (the loop waiting for the GIL while the demo's
threads ran) and, beside it, how long the machine kept the loop from a CPU.

Standard library only, like the rest of the measuring code.
"""

from dataclasses import dataclass
from time import perf_counter

from tui.instrument.loophistory import LoopHistory
from tui.instrument.loopstats import CauseSplit
from tui.instrument.owners import (
    DEMO,
    LOOPBEAT,
    OWNERS,
    SCREEN,
    CallbackLedger,
    OwnerTotals,
)
from tui.instrument.threadtimes import (
    CpuSnapshot,
    CpuUsage,
    ThreadSampler,
    ThreadTimes,
    thread_names,
)

SCREEN_THREADS = ("textual-output", "textual-input")
"""Textual's own threads: writing frames to the terminal, reading keys."""
LOOPBEAT_THREADS = ("loopbeat-watchdog",)
NOT_THE_DEMOS = (*SCREEN_THREADS, *LOOPBEAT_THREADS)


@dataclass(frozen=True)
class RunCauses:
    """What kept the loop from reacting during one run, in seconds.

    Attributes:
        wall: The run's length.
        busy: Loop time in callbacks, per owner (``demo``, ``screen``,
            ``loopbeat``, ``other``).
        cpu: Of that, the loop thread's time on a CPU, per owner.
        longest_demo: The longest single callback of this run's own.
        late: Time the loop was late to wake from select(), in all.
        longest_late: The longest single late wake-up.
        loop_queued: Time the loop thread queued for a CPU.
        threads_cpu: CPU of the other threads: ``demo`` (Django's worker
            threads, aiosqlite's; the probe's request threads are among them),
            ``screen`` (Textual's) and ``loopbeat`` (the watchdog).
        demo_threads_ran: Of the demo's threads' time ready to run, the share
            they were on a CPU (1.0 on a quiet machine); the rest they queued.
            A thread that holds the GIL while it waits for a CPU keeps the
            loop waiting too, and that wait is the machine's, not the demo's.
        own_busy: Of ``busy["demo"]``, the loop time in this run's own
            callbacks; None when every demo callback was its own.
        own_cpu: Likewise of ``cpu["demo"]``.
        held_up: The longest callback of another run in flight meanwhile: the
            loop was held for this run too, but not by its code.
        others_cpu: CPU-seconds other processes used over the run (None:
            unknown). A queue for a CPU is the machine's only as far as other
            processes could have filled the CPUs; beyond that, the run's own
            threads did (a burst of five CPU-bound threads on two cores).
    """

    wall: float
    busy: dict[str, float]
    cpu: dict[str, float]
    longest_demo: float
    late: float
    longest_late: float
    loop_queued: float
    threads_cpu: dict[str, float]
    demo_threads_ran: float = 1.0
    own_busy: float | None = None
    own_cpu: float | None = None
    held_up: float = 0.0
    others_cpu: float | None = None

    @property
    def demo_busy(self) -> float:
        """Loop time spent running this run's own callbacks."""
        return self.busy.get(DEMO, 0.0) if self.own_busy is None else self.own_busy

    @property
    def demo_cpu(self) -> float:
        """Of this run's loop time, how much was on a CPU."""
        return self.cpu.get(DEMO, 0.0) if self.own_cpu is None else self.own_cpu

    @property
    def split(self) -> CauseSplit:
        """The demo's part, by cause; ``queued`` is the machine's, for all owners.

        The loop thread wanted to run but did not while late to wake and while
        off a CPU inside any callback (a callback can lose the GIL half way).
        Of that time, run-queue wait is the machine's; waiting for the GIL
        can last no longer than the other threads ran, and is charged to the
        demo in proportion to the CPU its threads used against the screen's
        and loopbeat's; what is left, inside the demo's own callbacks, is the
        demo blocking in a system call.
        """
        off_cpu = sum(
            max(0.0, wall - self.cpu.get(owner, 0.0))
            for owner, wall in self.busy.items()
        )
        waiting = off_cpu + self.late
        queued = min(self.loop_queued, waiting)
        others = sum(self.threads_cpu.values())
        starved_all = min(waiting - queued, others)
        demo_share = self.threads_cpu.get(DEMO, 0.0) / others if others > 0 else 0.0
        demo_off_cpu = max(0.0, self.demo_busy - self.demo_cpu)
        starved = starved_all * demo_share
        held_while_queued = starved * (1.0 - self.demo_threads_ran)
        queued_all = self.loop_queued + held_while_queued
        machine = queued_all
        if self.others_cpu is not None:
            # The queue was for CPUs; other processes can only have filled them
            # for as long as they ran. The rest of the wait, the run's own
            # threads filled: that is the demo holding the loop up, not the
            # machine, and a quiet laptop must not read "machine busy".
            machine = min(queued_all, self.others_cpu)
        crowded = (queued_all - machine) * demo_share
        return CauseSplit(
            working=self.demo_cpu,
            starved=starved - held_while_queued + crowded,
            blocked=min(waiting - queued - starved_all, demo_off_cpu),
            queued=machine,
        )

    def loop_work(self) -> str:
        """Who the loop worked for, as shares of the run's wall time.

        ``loop busy 34 %: Django 20 %, drawing 12 %, loopbeat 2 %``, from the
        loop thread's CPU in each owner's callbacks.
        """
        # Shares of the time the callbacks ran in, which can outlast the run:
        # Django tidies up after the last byte of the response.
        wall = max(self.wall, sum(self.busy.values()), 1e-9)
        shares = {owner: self.cpu.get(owner, 0.0) / wall for owner in self.cpu}
        total = sum(shares.values())
        others = max(0.0, self.cpu.get(DEMO, 0.0) - self.demo_cpu) / wall
        text = (
            f"loop busy {total:.0%}: Django {self.demo_cpu / wall:.0%}, "
            f"drawing {shares.get(SCREEN, 0.0):.0%}, "
            f"loopbeat {shares.get(LOOPBEAT, 0.0):.0%}"
        )
        return text + (f", other runs {others:.0%}" if others >= 0.005 else "")

    def as_dict(self) -> dict[str, object]:
        """Plain data for exports."""
        split = self.split
        return {
            "busy": dict(self.busy),
            "cpu": dict(self.cpu),
            "longest_demo": self.longest_demo,
            "late": self.late,
            "longest_late": self.longest_late,
            "loop_queued": self.loop_queued,
            "threads_cpu": dict(self.threads_cpu),
            "demo_threads_ran": self.demo_threads_ran,
            "demo_working": split.working,
            "demo_starved": split.starved,
            "demo_blocked": split.blocked,
            "own_busy": self.own_busy,
            "own_cpu": self.own_cpu,
            "held_up": self.held_up,
            "others_cpu": self.others_cpu,
        }


@dataclass(frozen=True)
class CauseMark:
    """What ``CauseMeter.begin`` read at the start of a span."""

    at: float
    totals: dict[str, OwnerTotals]
    cpu: CpuSnapshot
    threads: dict[int, tuple[str, ThreadTimes]]
    run: int = 0
    """The run measured (``tui.instrument.owners.RUN``); 0 for all the demo's work."""


class CauseMeter:
    """Reads a span's causes off a monitor's ledger and history.

    Args:
        history: The monitor (its late wake-ups).
        ledger: The monitor's callback ledger.
        loop_native_id: The loop thread's native id (``threading.get_native_id``).
    """

    def __init__(
        self,
        history: LoopHistory,
        ledger: CallbackLedger,
        loop_native_id: int,
        sampler: ThreadSampler | None = None,
    ) -> None:
        self.history = history
        self.ledger = ledger
        self.loop_native_id = loop_native_id
        self.sampler = sampler or ThreadSampler()

    def begin(self, run: int = 0) -> CauseMark:
        """Mark the start of a span (about 0.2 ms: every thread's times).

        From here until ``end`` the ledger times every callback and the
        sampler keeps readings of the threads, so those that end before the
        span does still count.

        Args:
            run: The run whose own callbacks are told apart (``RUN``), so
                that another run's freeze meanwhile is not charged to it.
        """
        self.ledger.want()
        self.sampler.wanted += 1
        self.sampler.sample()
        return CauseMark(
            perf_counter(),
            self.ledger.totals(),
            CpuSnapshot.take(),
            self.sampler.latest(),
            run,
        )

    def end(self, mark: CauseMark, until: float | None = None) -> RunCauses:
        """The causes over ``[mark.at, until]`` (by default, now)."""
        self.sampler.sample()
        self.sampler.wanted = max(0, self.sampler.wanted - 1)
        self.ledger.unwant()
        ran = self._demo_threads_ran(mark.threads, self.sampler.latest())
        cpu = CpuSnapshot.take()
        until = cpu.at if until is None else until
        totals = self.ledger.totals()
        spent = {owner: totals[owner] - mark.totals[owner] for owner in totals}
        demo_calls = [
            r for r in self.ledger.long_callbacks(mark.at, until) if r.owner == DEMO
        ]
        own_busy = own_cpu = None
        held_up = 0.0
        if mark.run:
            own = self.ledger.run_totals(mark.run)
            self.ledger.forget_run(mark.run)
            own_busy, own_cpu = own.wall, own.cpu
            held_up = max(
                (r.duration for r in demo_calls if r.run != mark.run), default=0.0
            )
            demo_calls = [r for r in demo_calls if r.run == mark.run]
        late = self.history.late_wakes(mark.at, until)
        usage = cpu.since(mark.cpu)
        return RunCauses(
            wall=until - mark.at,
            busy={owner: spent[owner].wall for owner in OWNERS},
            cpu={owner: spent[owner].cpu for owner in OWNERS},
            longest_demo=max((r.duration for r in demo_calls), default=0.0),
            late=sum(_clip(p.start, p.end, mark.at, until) for p in late),
            longest_late=max((p.duration for p in late), default=0.0),
            loop_queued=usage.of(self.loop_native_id).queued,
            threads_cpu=self._threads_cpu(usage),
            demo_threads_ran=ran,
            own_busy=own_busy,
            own_cpu=own_cpu,
            held_up=held_up,
            others_cpu=usage.others_cpu,
        )

    def _demo_threads_ran(
        self,
        before: dict[int, tuple[str, ThreadTimes]],
        after: dict[int, tuple[str, ThreadTimes]],
    ) -> float:
        """Of the demo's threads' runnable time over the span, the share on a CPU."""
        ran = queued = 0.0
        zero = ThreadTimes(0.0, 0.0)
        for tid, (name, times) in after.items():
            if tid == self.loop_native_id or name in NOT_THE_DEMOS:
                continue
            spent = times - before.get(tid, (name, zero))[1]
            ran += max(0.0, spent.cpu)
            queued += max(0.0, spent.queued)
        return ran / (ran + queued) if ran + queued > 0 else 1.0

    def _threads_cpu(self, usage: CpuUsage) -> dict[str, float]:
        names = thread_names()
        screen = loopbeat = 0.0
        for tid, times in usage.threads.items():
            name = names.get(tid, "")
            if name in SCREEN_THREADS:
                screen += times.cpu
            elif name in LOOPBEAT_THREADS:
                loopbeat += times.cpu
        loop = usage.of(self.loop_native_id).cpu
        demo = max(0.0, usage.process_cpu - loop - screen - loopbeat)
        return {DEMO: demo, SCREEN: screen, LOOPBEAT: loopbeat}


def _clip(start: float, end: float, since: float, until: float) -> float:
    return max(0.0, min(end, until) - max(start, since))
