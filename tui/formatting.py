"""How measurements are written for people: shared by the UI and the report."""

from collections.abc import Sequence

from tui.loopstats import BLOCKED, MACHINE_BUSY, STARVED, Stall
from tui.owners import LOOPBEAT, SCREEN
from tui.printable import printable


def format_seconds(seconds: float | None) -> str:
    """Human units: ``850 µs``, ``12.3 ms``, ``240 ms``, ``1.84 s``; ``-`` for None."""
    if seconds is None:
        return "-"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 0.1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def describe_threads(threads: Sequence[str]) -> str:
    """Where the queries ran, in a few words: the loop thread, or how many others."""
    if not threads:
        return "no query"
    others = [name for name in threads if name != "MainThread"]
    if not others:
        return "loop thread"
    prefix = "loop + " if len(others) < len(threads) else ""
    noun = "worker" if len(others) == 1 else "workers"
    return f"{prefix}{len(others)} {noun}"


def stall_place(stall: Stall) -> str:
    """The loop's frame a stall is pinned to: project code first."""
    return stall.project_frame or stall.innermost_frame


def describe_stall(stall: Stall) -> str:
    """What held the loop, by cause first and then by owner, in one line.

    ``froze 890 ms at demoapp/views.py:118 in sync_orm_unguarded``,
    ``starved 94 ms: ThreadPoolExecutor-3_0 at django/db/models/base.py:584``,
    ``drawing the screen held the loop 60 ms``. The screen's and loopbeat's
    own work are named as such, never as a line of the demo. A thread that
    held the GIL for part of a stall with another main cause is named after
    it: ``machine busy 150 ms: the loop waited for a CPU and for the GIL
    (ThreadPoolExecutor-3_0 at ...)``. Thread names and paths are outside
    text: control characters in them are shown as escapes.
    """
    return printable(_describe_stall(stall))


def _describe_stall(stall: Stall) -> str:
    took = format_seconds(stall.duration)
    cause = stall.cause
    if cause == STARVED:
        return f"starved {took}: {stall.culprit or 'another thread held the GIL'}"
    if stall.owner == SCREEN:
        text = f"drawing the screen held the loop {took}"
    elif stall.owner == LOOPBEAT:
        text = f"loopbeat itself held the loop {took} ({stall_place(stall)})"
    elif cause == MACHINE_BUSY and stall.late:
        text = f"machine busy {took}: the loop waited for a CPU"
        if stall.culprit:
            text += f" and for the GIL ({stall.culprit})"
        return text
    else:
        verb = "blocked" if cause == BLOCKED else "froze"
        text = f"{verb} {took} at {stall_place(stall)}"
    if cause == MACHINE_BUSY:
        text += "; machine busy: it mostly waited for a CPU"
    if stall.culprit:
        text += f"; GIL held by {stall.culprit}"
    return text
