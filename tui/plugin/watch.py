"""Watching whatever event loop a test runs, for as long as the test runs.

pytest-asyncio runs an async test on a loop of its own making, pytest-django's
async tests are pytest-asyncio's, and a sync test may call ``asyncio.run``;
every one of them drives the loop through ``run_forever``. While a test's
call lasts, ``LoopWatch`` wraps ``BaseEventLoop.run_forever`` (installed and
removed around the call, and listed here as the plugin's one process-wide
change) so that each loop that starts running gets a ``LoopMonitor``; stalls
are collected as the watchdog hands them over, from its own thread, since a
test's loop may be closed before they could be delivered on it.
"""

import asyncio.base_events
import threading
from collections.abc import Callable, Iterable
from typing import Any

from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import Stall

STALL_THRESHOLD = 0.02
"""Stalls this long or more are caught: well under any budget worth setting."""


class LoopWatch:
    """Monitors every loop that runs while it is on, and keeps their stalls.

    Args:
        project_roots: Where the project's code is, for naming stall lines.
        threshold: The shortest stall caught (seconds).
    """

    def __init__(
        self, project_roots: Iterable[str], threshold: float = STALL_THRESHOLD
    ):
        self.project_roots = list(project_roots)
        self.threshold = threshold
        self.stalls: list[Stall] = []
        """Every stall of the loops watched, whole, in the order they ended."""
        self._lock = threading.Lock()
        self._monitors: dict[int, LoopMonitor] = {}
        self._original: Callable[..., Any] | None = None

    def __enter__(self) -> "LoopWatch":
        self.install()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.uninstall()

    def install(self) -> None:
        """Wrap ``run_forever`` so each loop that starts running is watched."""
        base = asyncio.base_events.BaseEventLoop
        original = base.run_forever
        self._original = original
        watch = self

        def run_forever(loop: asyncio.base_events.BaseEventLoop) -> None:
            watch._entering(loop)
            return original(loop)

        run_forever.__wrapped__ = original  # type: ignore[attr-defined]
        wrapper: Any = run_forever
        base.run_forever = wrapper  # type: ignore[method-assign]

    def uninstall(self) -> None:
        """Stop every monitor and put ``run_forever`` back."""
        # Last started, first stopped: each put its own wrappers over the last.
        for monitor in reversed(list(self._monitors.values())):
            monitor.halt()
        self._monitors.clear()
        if self._original is not None:
            base = asyncio.base_events.BaseEventLoop
            if getattr(base.run_forever, "__wrapped__", None) is self._original:
                original: Any = self._original
                base.run_forever = original  # type: ignore[method-assign]
            self._original = None

    def _entering(self, loop: asyncio.AbstractEventLoop) -> None:
        if id(loop) in self._monitors:
            return
        monitor = LoopMonitor(
            stall_threshold=self.threshold, project_roots=self.project_roots
        )
        monitor.on_stall = self._keep
        self._monitors[id(loop)] = monitor
        # Before the loop's first callback: the test's first step may block.
        monitor.start(loop)

    def _keep(self, stall: Stall) -> None:
        with self._lock:
            self.stalls.append(stall)

    def taken(self) -> list[Stall]:
        """The stalls kept so far (a copy)."""
        with self._lock:
            return list(self.stalls)
