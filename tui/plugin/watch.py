"""Watching whatever event loop a test runs, for as long as the test runs.

pytest-asyncio runs an async test on a loop of its own making, pytest-django's
async tests are pytest-asyncio's, and a sync test may call ``asyncio.run``;
every one of them drives the loop through ``run_forever``. While a test's
call lasts, ``LoopWatch`` wraps ``BaseEventLoop.run_forever`` (installed and
removed around the call: the plugin's one process-wide change) so that each
loop that starts running on the test's thread is watched from its first
callback. One monitor serves the whole session, moved from loop to loop: its
watchdog thread is started once, not once a test. Stalls are collected as the
watchdog hands them over, from its own thread, since a test's loop may be
closed before they could be delivered on it.
"""

import asyncio.base_events
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import Stall

STALL_THRESHOLD = 0.02
"""Stalls this long or more are caught: well under any budget worth setting."""
HANDOVER_WAIT = 0.5
"""Seconds a test's end waits, at most, for the watchdog to hand a stall over."""


class LoopWatch:
    """Monitors the loops a test runs on its thread, and keeps their stalls.

    Args:
        project_roots: Where the project's code is, for naming stall lines.
        threshold: The shortest stall caught (seconds).
    """

    def __init__(
        self, project_roots: Iterable[str], threshold: float = STALL_THRESHOLD
    ):
        self.monitor = LoopMonitor(
            stall_threshold=threshold, project_roots=list(project_roots)
        )
        self.monitor.on_stall = self._keep
        self._lock = threading.Lock()
        self._stalls: list[Stall] = []
        self._thread = threading.get_ident()
        self._original: Callable[..., Any] | None = None

    def begin(self) -> None:
        """Watch every loop that starts running on this thread from now on."""
        with self._lock:
            self._stalls = []
        self._thread = threading.get_ident()
        base = asyncio.base_events.BaseEventLoop
        original = base.run_forever
        self._original = original
        watch = self

        def run_forever(loop: asyncio.base_events.BaseEventLoop) -> None:
            if threading.get_ident() == watch._thread:
                # Before the loop's first callback: a test's first step may block.
                watch.monitor.move_to(loop)
            return original(loop)

        run_forever.__wrapped__ = original  # type: ignore[attr-defined]
        wrapper: Any = run_forever
        base.run_forever = wrapper  # type: ignore[method-assign]

    def end(self) -> list[Stall]:
        """Stop watching the test's loops; the stalls they had.

        A stall the watchdog is still explaining is waited for (it hands it
        over within a few milliseconds of seeing the loop idle), so no stall
        of this test is taken for the next one's.
        """
        self.monitor.detach()
        deadline = time.perf_counter() + HANDOVER_WAIT
        while self.monitor.watchdog_holding() is not None:
            if time.perf_counter() > deadline:
                break
            time.sleep(0.001)
        if self._original is not None:
            base = asyncio.base_events.BaseEventLoop
            if getattr(base.run_forever, "__wrapped__", None) is self._original:
                original: Any = self._original
                base.run_forever = original  # type: ignore[method-assign]
            self._original = None
        with self._lock:
            return list(self._stalls)

    def close(self) -> None:
        """Stop the watchdog for good (the session is over)."""
        self.monitor.halt()

    def _keep(self, stall: Stall) -> None:
        with self._lock:
            self._stalls.append(stall)
