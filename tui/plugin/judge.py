"""Whether a test's own code held its loop past the budget, and in what words.

A stall is the test's own when the loop was held by its code: *working* (on a
CPU) or *blocked* (in a system call). *Starved* (another thread held the GIL)
is reported with the thread and its frame and fails only when asked
(``--loop-fail-starved``): the GIL is shared by design. A stall the machine
mostly took (the loop queued for a CPU another process had) never fails a
test: over the budget it is *unmeasured*, unless ``--loop-strict``.
"""

import linecache
import os
from dataclasses import dataclass

from tui.instrument.formatting import format_seconds
from tui.instrument.loopstats import BLOCKED, MACHINE_BUSY, STARVED, WORKING, Stall

PASS, OVER, UNMEASURED, EXEMPT = "pass", "over", "unmeasured", "exempt"
MACHINE_SHARE = 0.5
"""A stall whose machine part is at least this share is the machine's."""


@dataclass(frozen=True)
class Judgement:
    """One test's outcome and the sentence that says why."""

    outcome: str
    message: str = ""
    worst: Stall | None = None
    """The longest stall of the test's own code."""
    starved: Stall | None = None
    """The longest starvation, reported beside."""


def judge_test(
    stalls: list[Stall],
    budget: float,
    *,
    fail_starved: bool = False,
    strict: bool = False,
    root: str = "",
) -> Judgement:
    """The outcome of a test whose loops had ``stalls``, against ``budget`` (s)."""
    held = [s for s in stalls if s.cause in (WORKING, BLOCKED)]
    starved = [s for s in stalls if s.cause == STARVED]
    machine = [s for s in stalls if _machines(s) and s.duration > budget]
    worst = max(held, key=lambda s: s.duration, default=None)
    worst_starved = max(starved, key=lambda s: s.duration, default=None)
    over = [s for s in held if s.duration > budget and not _machines(s)]
    if fail_starved:
        over += [s for s in starved if s.duration > budget and not _machines(s)]
    if over:
        first = max(over, key=lambda s: s.duration)
        return Judgement(OVER, describe(first, budget, root), worst, worst_starved)
    if machine:
        first = max(machine, key=lambda s: s.duration)
        message = (
            f"unmeasured: the loop stalled {format_seconds(first.duration)} but the "
            f"machine took most of it ({_machine_part(first)}): a busy runner, "
            "not this test's code"
        )
        return Judgement(OVER if strict else UNMEASURED, message, worst, worst_starved)
    note = ""
    if worst_starved is not None and worst_starved.duration > budget:
        note = f"starved {format_seconds(worst_starved.duration)}: " + (
            worst_starved.culprit or "another thread held the GIL"
        )
    return Judgement(PASS, note, worst, worst_starved)


def describe(stall: Stall, budget: float, root: str = "") -> str:
    """``blocked the loop 120 ms (budget 50 ms): time.sleep(0.12) at app/views.py:42
    in list_items``, with the line's own code where the file can be read."""
    took, limit = format_seconds(stall.duration), f"{budget * 1000:g} ms"
    if stall.cause == STARVED:
        who = stall.culprit or "another thread held the GIL"
        return f"starved the loop {took} (budget {limit}): {who}"
    verb = "blocked the loop" if stall.cause == BLOCKED else "froze the loop"
    working = " working" if stall.cause == WORKING else ""
    place = stall.project_frame
    if place is None:
        # Only the framework's frames on the loop's stack (the loop freeing a
        # large result, C code): none of them is the culprit, so none is named
        # as if it were.
        where = (
            "no line of the project on the loop's stack"
            f" (innermost: {stall.innermost_frame})"
        )
    else:
        code = _source(place, root)
        where = f"{code} at {place}" if code else f"at {place}"
    return f"{verb} {took}{working} (budget {limit}): {where}"


def _machines(stall: Stall) -> bool:
    split = stall.split
    return split is not None and (
        stall.cause == MACHINE_BUSY or split.queued >= MACHINE_SHARE * stall.duration
    )


def _machine_part(stall: Stall) -> str:
    queued = stall.split.queued if stall.split else 0.0
    return f"{format_seconds(queued)} waiting for a CPU"


def _source(place: str, root: str) -> str | None:
    """The code on ``app/views.py:42 in f``'s line, stripped; None if unread."""
    location, _, _ = place.partition(" in ")
    path, _, line = location.rpartition(":")
    if not line.isdigit() or not path:
        return None
    text = linecache.getline(os.path.join(root, path), int(line)).strip()
    return text or None
