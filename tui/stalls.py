"""Stall capture: a watchdog thread that catches the loop thread's stack.

When the event loop has been busy for longer than a threshold, the watchdog
takes the loop thread's Python stack (``sys._current_frames``), names its
frames briefly and tells project code from libraries, so the stall gets a file
and a line. It learns when the loop is busy from the monitor through two
callables, and hands each stall back through two more, so it knows nothing of
how the monitor keeps time.

Standard library only, like the monitor.
"""

import os
import site
import sys
import sysconfig
import threading
from collections.abc import Callable, Iterable
from time import perf_counter, thread_time

from tui.loopstats import BusyPeriod, Stall

WATCHDOG_POLL = 0.005
"""Seconds between the watchdog's looks at a stall, to see it end."""

_MEASURING_FILES = {
    os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    for name in ("heartbeat.py", "stalls.py")
}
_NOT_PROJECT = {".venv", "site-packages", "dist-packages"}


class FrameNames:
    """Names code locations briefly and tells project code from libraries.

    Args:
        project_roots: Directories holding project code.
        excluded_files: Files under those roots never counted as project code
            (the monitor's own files always are excluded).
    """

    def __init__(
        self, project_roots: Iterable[str], excluded_files: Iterable[str] = ()
    ) -> None:
        self._roots = [os.path.abspath(root) for root in project_roots]
        self._excluded = {
            *_MEASURING_FILES,
            *(os.path.abspath(f) for f in excluded_files),
        }
        libraries = {sysconfig.get_path(n) for n in ("purelib", "platlib", "stdlib")}
        libraries.update(site.getsitepackages())
        # Longest first, so a venv inside the project shortens to site-packages.
        self._prefixes = sorted(
            {*self._roots, *(os.path.abspath(path) for path in libraries if path)},
            key=len,
            reverse=True,
        )
        self._known: dict[str, tuple[str, bool]] = {}

    def describe(self, filename: str) -> tuple[str, bool]:
        """Return the short path of a code file and whether it is project code."""
        known = self._known.get(filename)
        if known is None:
            known = self._known[filename] = self._describe(filename)
        return known

    def _describe(self, filename: str) -> tuple[str, bool]:
        if filename.startswith("<"):  # "<frozen runpy>", "<string>": no file
            return filename, False
        path = os.path.abspath(filename)
        short = next(
            (
                os.path.relpath(path, prefix)
                for prefix in self._prefixes
                if path.startswith(prefix + os.sep)
            ),
            filename,
        )
        project = path not in self._excluded and any(
            path.startswith(root + os.sep)
            and _NOT_PROJECT.isdisjoint(os.path.relpath(path, root).split(os.sep))
            for root in self._roots
        )
        return short, project


class StallWatchdog:
    """A daemon thread that catches stalls of the loop thread.

    Args:
        loop_thread_id: ``threading.get_ident()`` of the loop's thread.
        busy_since: When the loop last stopped reacting, or None while it
            waits in ``select()``; read from the watchdog's thread.
        busy_periods: The monitor's recorded busy periods, oldest first, as a
            tuple copied in one step (safe while the loop appends).
        threshold: A busy period longer than this (seconds) is a stall.
        names: How frames are named and which count as project code.
        on_caught: Called on the watchdog's thread with each stall as it is
            caught (duration still None).
        on_ended: Called on the watchdog's thread once the stall has ended
            and its duration is filled in.
    """

    def __init__(
        self,
        *,
        loop_thread_id: int,
        busy_since: Callable[[], float | None],
        busy_periods: Callable[[], tuple[BusyPeriod, ...]],
        threshold: float,
        names: FrameNames,
        on_caught: Callable[[Stall], None],
        on_ended: Callable[[Stall], None],
    ) -> None:
        self._loop_thread_id = loop_thread_id
        self._busy_since = busy_since
        self._busy_periods = busy_periods
        self._threshold = threshold
        self._names = names
        self._on_caught = on_caught
        self._on_ended = on_ended
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.cpu_seconds = 0.0
        """CPU time the watchdog thread used, counted when it stops."""

    def start(self) -> None:
        """Start watching in a daemon thread."""
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._watch,
            args=(self._stopping,),
            name="loopbeat-watchdog",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the thread (prompt: its wait returns at once)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _watch(self, stopping: threading.Event) -> None:
        """Catch the loop's stack when it is stuck too long.

        It sleeps until the earliest moment a stall could begin rather than
        polling: a loop idle in select() now cannot be stalled for a full
        threshold from now, and one busy since ``since`` not before
        ``since + threshold``. So it wakes about 20 times a second at idle yet
        never sleeps through a stall, however short. While a stall lasts it
        polls, to report the stall soon after it ends.
        """
        stall: Stall | None = None
        threshold = self._threshold
        wait = threshold
        while not stopping.wait(wait):
            since = self._busy_since()
            if stall is not None:
                if since == stall.start:
                    continue
                self._end(stall)
                stall = None
            now = perf_counter()
            if since is not None and now - since > threshold:
                stall = self._catch(since)
                wait = WATCHDOG_POLL
            else:
                wait = threshold if since is None else since + threshold - now
        if stall is not None:
            self._end(stall)
        self.cpu_seconds += thread_time()  # this thread's CPU since it started

    def _catch(self, since: float) -> Stall | None:
        frame = sys._current_frames().get(self._loop_thread_id)
        frames: list[tuple[str, bool]] = []  # innermost first
        while frame is not None:
            path, project = self._names.describe(frame.f_code.co_filename)
            frames.append(
                (f"{path}:{frame.f_lineno} in {frame.f_code.co_name}", project)
            )
            frame = frame.f_back
        if self._busy_since() != since:
            # The loop moved on while we looked: this stack is not the culprit.
            return None
        stack = tuple(text for text, _ in reversed(frames))
        stall = Stall(
            start=since,
            duration=None,
            project_frame=next((text for text, mine in frames if mine), None),
            innermost_frame=stack[-1] if stack else "<no Python frame>",
            stack=stack,
        )
        self._on_caught(stall)
        return stall

    def _end(self, stall: Stall) -> None:
        """Fill in the duration from the exact busy period, then hand it over."""
        for period in reversed(self._busy_periods()):
            if period.start <= stall.start:
                if period.start == stall.start:
                    stall.duration = period.duration
                break
        if stall.duration is None:  # still going on, or fell below busy_floor
            stall.duration = perf_counter() - stall.start
        self._on_ended(stall)
