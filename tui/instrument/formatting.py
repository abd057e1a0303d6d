"""How measurements are written for people: shared by the UI and the report."""

from collections.abc import Sequence

from tui.instrument.loopstats import BLOCKED, MACHINE_BUSY, STARVED, Stall
from tui.instrument.owners import LOOPBEAT, SCREEN
from tui.instrument.printable import printable


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


def format_count(count: int | None) -> str:
    """``100,000``; ``-`` where nobody said (a backend that reports no rows)."""
    return "-" if count is None else f"{count:,}"


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


def stall_place(stall: Stall, serving: str | None = None) -> str:
    """The loop's frame a stall is pinned to: project code first.

    Args:
        stall: The stall.
        serving: The URL the run whose callback held the loop was serving,
            said where no frame of the project's was on the stack (Django's
            own code after the view returned, or no stack at all).
    """
    if stall.project_frame:
        return stall.project_frame
    if serving and not stall.late:
        if not stall.stack:
            reason = stall.innermost_frame.strip("<>").removeprefix("not seen: ")
            return f"serving {serving} (no stack: {reason})"
        return f"{stall.innermost_frame}, serving {serving}"
    return stall.innermost_frame


def describe_stall(stall: Stall, serving: str | None = None) -> str:
    """What held the loop, by cause first and then by owner, in one line.

    ``froze 890 ms at demoapp/views.py:118 in sync_orm_unguarded``,
    ``starved 94 ms: ThreadPoolExecutor-3_0 at django/db/models/base.py:584``,
    ``drawing the screen held the loop 60 ms``. The screen's and loopbeat's
    own work are named as such, never as a line of the demo. A thread that
    held the GIL for part of a stall with another main cause is named after
    it: ``machine busy 150 ms: the loop waited for a CPU and for the GIL
    (ThreadPoolExecutor-3_0 at ...)``. ``serving``: as for ``stall_place``.
    Thread names and paths are outside text: control characters in them are
    shown as escapes.
    """
    return printable(_describe_stall(stall, serving))


def _describe_stall(stall: Stall, serving: str | None) -> str:
    took = format_seconds(stall.duration)
    cause = stall.cause
    if stall.mostly_stopped:
        return (
            f"process stopped {format_seconds(stall.stopped)} of a {took} stall: "
            "nothing of ours ran (kill -STOP, Ctrl+Z or a paused machine)"
        )
    if cause == STARVED:
        return f"starved {took}: {stall.culprit or 'another thread held the GIL'}"
    if stall.owner == SCREEN:
        return _with_machine(f"drawing the screen held the loop {took}", stall)
    if stall.owner == LOOPBEAT:
        text = f"loopbeat itself held the loop {took} ({stall_place(stall)})"
        return _with_machine(text, stall)
    place = stall_place(stall, serving)
    where = (
        "" if stall.late else f" {'' if place.startswith('serving') else 'at '}{place}"
    )
    if cause == MACHINE_BUSY:
        # The loop mostly waited for a CPU another process had: the machine's
        # time, whatever callback it was in; the place is where it waited.
        text = f"machine busy {took}: the loop waited for a CPU"
        if stall.culprit:
            text += f" and for the GIL ({stall.culprit})"
        return text + (f",{where}" if where else "")
    verb = "blocked" if cause == BLOCKED else "froze"
    text = f"{verb} {took}{where}"
    if stall.culprit:
        text += f"; GIL held by {stall.culprit}"
    return text


def _with_machine(text: str, stall: Stall) -> str:
    if stall.cause == MACHINE_BUSY:
        return f"{text}; machine busy: it mostly waited for a CPU"
    return text
