"""How much CPU each thread of this process used, and how long it queued for one.

Linux keeps, per thread, the nanoseconds it ran on a CPU and the nanoseconds
it was runnable but waiting in a run queue (``/proc/self/task/<tid>/schedstat``,
the scheduler's own accounting). Both are needed to tell why the event loop
was late:

* on a CPU the loop thread was **working**;
* off a CPU while another thread of ours ran, it was **starved** (the GIL);
* queued for a CPU, the **machine was busy** (another process had the core);
* off a CPU with nobody of ours running, it was **blocked** in a system call.

``schedstat`` rather than ``time.pthread_getcpuclockid``: it gives the queue
wait too, for every thread at once, in nanoseconds (``/proc/.../stat`` counts
in 10 ms ticks, too coarse for a 5 ms heartbeat). Threads that have ended are
gone from ``/proc``; their CPU is still in ``time.process_time()``, which a
snapshot records as well. Where ``schedstat`` is missing (not Linux), only
the calling thread's and the process's CPU are known, and ``available`` says
so. Standard library only.
"""

import os
import threading
import time
from dataclasses import dataclass, field

_TASKS = "/proc/self/task"
_STAT = "/proc/stat"


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU-seconds of all CPUs since boot, from ``/proc/stat``.

    (0, 0) where it is missing. Counted in clock ticks (``SC_CLK_TCK``, 10 ms
    on Linux): coarse, but what other processes used can only be read here.
    """
    try:
        with open(_STAT) as file:
            fields = [int(v) for v in file.readline().split()[1:]]
        hertz = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields) - idle) / hertz, sum(fields) / hertz


@dataclass(frozen=True, slots=True)
class ThreadTimes:
    """One thread's scheduler accounting, in seconds."""

    cpu: float
    """Time spent running on a CPU."""
    queued: float
    """Time spent runnable but waiting for a CPU."""

    def __sub__(self, other: "ThreadTimes") -> "ThreadTimes":
        return ThreadTimes(self.cpu - other.cpu, self.queued - other.queued)


def read_thread(native_id: int) -> ThreadTimes | None:
    """The scheduler's times for one thread of this process; None if unknown."""
    try:
        with open(f"{_TASKS}/{native_id}/schedstat", "rb") as file:
            cpu, queued, _ = file.read().split()
    except (OSError, ValueError):
        return None
    return ThreadTimes(int(cpu) / 1e9, int(queued) / 1e9)


def available() -> bool:
    """Whether per-thread scheduler times can be read on this system."""
    return read_thread(threading.get_native_id()) is not None


@dataclass(frozen=True)
class CpuSnapshot:
    """Every live thread's times and the process's CPU, at one moment."""

    at: float
    """``time.perf_counter()`` when it was taken."""
    process_cpu: float
    """``time.process_time()``: all threads, ended ones included."""
    threads: dict[int, ThreadTimes] = field(default_factory=dict)
    """By native thread id."""
    machine_busy: float = 0.0
    """CPU-seconds all CPUs had been busy (``machine_cpu``), any process's."""

    @classmethod
    def take(cls) -> "CpuSnapshot":
        """Read every thread of this process now (about 20 µs a thread)."""
        threads: dict[int, ThreadTimes] = {}
        try:
            tids = os.listdir(_TASKS)
        except OSError:
            tids = []
        for tid in tids:
            times = read_thread(int(tid))
            if times is not None:
                threads[int(tid)] = times
        busy, _ = machine_cpu()
        return cls(time.perf_counter(), time.process_time(), threads, busy)

    def since(self, earlier: "CpuSnapshot") -> "CpuUsage":
        """What each thread used between ``earlier`` and this snapshot."""
        threads = {
            tid: now - earlier.threads.get(tid, ThreadTimes(0.0, 0.0))
            for tid, now in self.threads.items()
        }
        process_cpu = self.process_cpu - earlier.process_cpu
        others = None
        if self.machine_busy and earlier.machine_busy:
            others = max(0.0, self.machine_busy - earlier.machine_busy - process_cpu)
        return CpuUsage(
            wall=self.at - earlier.at,
            process_cpu=process_cpu,
            threads=threads,
            others_cpu=others,
        )


@dataclass(frozen=True)
class CpuUsage:
    """CPU used over a span of time, per thread and in all."""

    wall: float
    process_cpu: float
    threads: dict[int, ThreadTimes]
    others_cpu: float | None = None
    """CPU-seconds other processes used meanwhile; None where unknown."""

    def of(self, native_id: int) -> ThreadTimes:
        """One thread's share (zero for a thread not seen)."""
        return self.threads.get(native_id, ThreadTimes(0.0, 0.0))

    def others(self, *native_ids: int) -> float:
        """CPU of every thread but these, ended threads included."""
        mine = sum(self.of(tid).cpu for tid in native_ids)
        return max(0.0, self.process_cpu - mine)

    def busiest(self, *excluded: int) -> tuple[int, float] | None:
        """The live thread, other than ``excluded``, that used the most CPU."""
        candidates = [
            (times.cpu, tid)
            for tid, times in self.threads.items()
            if tid not in excluded and times.cpu > 0
        ]
        if not candidates:
            return None
        cpu, tid = max(candidates)
        return tid, cpu


def thread_names() -> dict[int, str]:
    """Python's name for each live thread, by native id."""
    return {
        t.native_id: t.name for t in threading.enumerate() if t.native_id is not None
    }


class ThreadSampler:
    """The latest scheduler times of every thread seen while someone asks.

    Threads that end are gone from ``/proc``; a request's worker thread and
    an aiosqlite connection's thread end before their run does. Sampled every
    few tens of milliseconds while a run is in flight (by the watchdog), the
    last reading of each survives it, so a run can tell how long its threads
    ran and how long they queued for a CPU.

    Args:
        keep: Seconds a thread's last reading is kept after it was taken.
    """

    def __init__(self, keep: float = 60.0) -> None:
        self.keep = keep
        self.wanted = 0
        """Spans that want samples now (runs in flight); sample while above 0."""
        self._latest: dict[int, tuple[str, ThreadTimes, float]] = {}

    def sample(self) -> None:
        """Read every live thread now; forget readings older than ``keep``."""
        names = thread_names()
        snapshot = CpuSnapshot.take()
        latest = dict(self._latest)
        for tid, times in snapshot.threads.items():
            latest[tid] = (names.get(tid, ""), times, snapshot.at)
        horizon = snapshot.at - self.keep
        self._latest = {t: v for t, v in latest.items() if v[2] >= horizon}

    def latest(self) -> dict[int, tuple[str, ThreadTimes]]:
        """The last reading of each thread: its name and times."""
        return {tid: (name, times) for tid, (name, times, _) in self._latest.items()}
