"""Headless mode's progress: which run, of how many, for how long, on stderr.

A bar when stderr is a terminal; otherwise (a CI log, ``2>&1 | tee``) one
plain line per run, so a log shows the session is alive, and the table on
stdout stays clean either way. With a long simulated latency a run can take
minutes (the N+1 pattern waits once per statement, 101 times), and that is
said up front.
"""

import sys
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TimeElapsedColumn,
)

from tui.engine.runs import RunSpec

LONG_LATENCY_MS = 1000
"""From this simulated latency up, warn that runs may take minutes."""


def console_for_progress() -> Console | None:
    """A console on stderr if it is a terminal; None otherwise (no progress)."""
    console = Console(stderr=True)
    return console if console.is_terminal else None


class RunProgress:
    """A bar that counts runs, as a context manager; plain lines without one.

    Args:
        console: Where to draw the bar (None: plain lines on stderr instead).
        latency_ms: The session's simulated latency, to warn when it is long.
    """

    def __init__(self, console: Console | None, latency_ms: float) -> None:
        self.console = console
        self.latency_ms = latency_ms
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> "RunProgress":
        if self.latency_ms >= LONG_LATENCY_MS:
            print(
                f"simulated latency {self.latency_ms:g} ms per statement: a pattern "
                "that runs many statements takes minutes (the N+1 runs 101)",
                file=sys.stderr,
            )
        if self.console is None:
            print(
                "loopbeat: starting Django and the instruments",
                file=sys.stderr,
                flush=True,
            )
        else:
            self._progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("starting", total=None)
        return self

    def show(self, done: int, total: int, spec: RunSpec) -> None:
        """Say which run comes next."""
        if self._progress is None:
            # Flushed: a pipe would otherwise hold the line until the end.
            print(
                f"loopbeat: run {done + 1} of {total}: {spec.label}",
                file=sys.stderr,
                flush=True,
            )
        elif self._task is not None:
            self._progress.update(
                self._task,
                description=f"run {done + 1} of {total}: {spec.label}",
                completed=done,
                total=total,
            )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, error, traceback)
