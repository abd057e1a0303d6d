"""Telling a stopped process from a busy one.

``kill -STOP``, Ctrl+Z in a shell or a paused virtual machine stop every
thread of the process at once; the wall clock runs on and, once the process
continues, the loop looks as if it had been blocked for as long. Nobody of
ours ran meanwhile and nobody waited for a CPU: the stop is told by the
watchdog thread, which sleeps on a timer of at most a few tens of
milliseconds and so should never oversleep by a quarter of a second. When
it does and neither the process's CPU clock nor the watchdog's run-queue
wait advanced over the gap, the process was stopped, and the stretch is
recorded so verdicts and stall lines say so instead of blaming the demo.

Standard library only.
"""

import os
import threading
from collections import deque
from time import perf_counter, process_time

STOPPED_MIN = 0.25
"""Seconds the watchdog must oversleep before a stop is considered."""
STOPPED_SHARE = 0.1
"""...and at most this share of the gap may have been spent running or
queued for a CPU by the process: a machine too busy to run us queues us."""


class StopDetector:
    """Records the stretches during which the whole process was stopped.

    The watchdog calls ``expect`` before each of its waits; any thread may
    call ``check`` (the watchdog after each wait, the loop when it records a
    stall the watchdog could not see), and the first to notice an overdue
    wake-up records the stop once.

    Args:
        capacity: Stops kept; older ones make way.
    """

    def __init__(self, capacity: int = 64) -> None:
        self._lock = threading.Lock()
        self._expected: tuple[float, float, float] | None = None
        self._schedstat: int | None = None
        self._stops: deque[tuple[float, float]] = deque(maxlen=capacity)

    def expect(self, wait: float) -> None:
        """The calling thread (the watchdog) will wake within ``wait`` seconds."""
        with self._lock:
            if self._schedstat is None:
                self._schedstat = _open_schedstat(threading.get_native_id())
            due = perf_counter() + wait
            self._expected = (due, process_time(), self._queued())

    def check(self) -> None:
        """Record a stop if the watchdog's wake-up is overdue with nobody running."""
        with self._lock:
            expected = self._expected
            if expected is None:
                return
            due, cpu_then, queued_then = expected
            now = perf_counter()
            overdue = now - due
            if overdue < STOPPED_MIN:
                return
            cpu, queued = process_time(), self._queued()
            ran = (cpu - cpu_then) + max(0.0, queued - queued_then)
            if ran < STOPPED_SHARE * overdue:
                self._stops.append((due, now))
            # Consumed: whoever checks next measures from here.
            self._expected = (now, cpu, queued)

    def stopped_within(self, since: float, until: float) -> float:
        """Seconds of ``[since, until]`` the process was stopped."""
        return sum(
            max(0.0, min(end, until) - max(start, since))
            for start, end in tuple(self._stops)
        )

    def close(self) -> None:
        """Let go of the file the watchdog's queue wait is read from."""
        with self._lock:
            if self._schedstat is not None:
                os.close(self._schedstat)
                self._schedstat = None
            self._expected = None

    def _queued(self) -> float:
        """The watchdog's run-queue wait so far, in seconds (0 where unknown)."""
        if self._schedstat is None:
            return 0.0
        try:
            return int(os.pread(self._schedstat, 64, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0


def _open_schedstat(native_id: int) -> int | None:
    # Kept open: a pread is a few microseconds where an open and read cost
    # tens, and the watchdog reads it every time it goes to sleep.
    try:
        return os.open(f"/proc/self/task/{native_id}/schedstat", os.O_RDONLY)
    except OSError:
        return None
