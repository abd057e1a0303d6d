"""How one stall's time divides between the causes, from CPU clocks.

The watchdog reads the clocks as it catches a stall and again as it ends
(``tui.instrument.stalls``); these functions turn the readings into a ``CauseSplit``.
They are kept apart, and pure, so the arithmetic can be tested on its own:
on a loaded machine it decides whether a stall line says "starved" or
"machine busy", and a wrong sum there reads as a wrong lesson.

Standard library only, like the rest of the measuring code.
"""

from tui.instrument.loopstats import WORKING, CauseSplit

CULPRIT_SHARE = 0.25
"""A stall whose starved part is at least this share of it names the thread
that held the GIL, even when the machine's part is larger: on a loaded
laptop the GIL holder is itself queued for a CPU much of the time, and the
line should still say which of our threads the loop was waiting for."""


def split_caught(
    duration: float,
    *,
    working: float,
    others: float,
    queued: float,
    holder_queued: float,
    late: bool,
) -> CauseSplit:
    """The split of a stall the watchdog caught while it lasted.

    Args:
        duration: The stall's length.
        working: The loop thread's CPU over it.
        others: The other threads' CPU over it (the watchdog's own left out).
        queued: The loop thread's run-queue wait over it.
        holder_queued: Run-queue wait of the thread that used the most CPU
            meanwhile. While it held the GIL and waited for a CPU the loop
            waited too, off a CPU yet in no system call: that time is the
            machine's, not "blocked".
        late: The loop was late to wake from select(): it had no call of its
            own to block in, so all the time it was off a CPU and nobody of
            ours ran is the machine's (it, or the GIL's holder, queued).
    """
    working = _clip(working, duration)
    queued = _clip(queued, duration - working)
    starved = _clip(others, duration - working - queued)
    blocked = duration - working - queued - starved
    held = blocked if late else _clip(holder_queued, blocked)
    return CauseSplit(working, starved, blocked - held, queued + held)


def split_unseen(duration: float, *, working: float, others: float) -> CauseSplit:
    """The split of a stall recorded after the fact (the watchdog never saw it).

    The loop's and the process's clocks are all there is: of the time the
    loop was neither on a CPU nor waiting while another thread of ours ran,
    the rest is called queued. After select() nobody of ours ran, yet the
    loop, due to run, did not; inside a callback it may also have waited in
    a system call, which the clocks cannot tell apart from queueing.
    """
    working = _clip(working, duration)
    starved = _clip(others, duration - working)
    return CauseSplit(working, starved, 0.0, duration - working - starved)


def names_a_culprit(split: CauseSplit, duration: float) -> bool:
    """Whether a stall waited long enough on another thread to name it."""
    return split.starved > 0 and split.starved >= CULPRIT_SHARE * duration


def _clip(value: float, most: float) -> float:
    return min(max(value, 0.0), max(most, 0.0))


def unseen_place(late: bool, split: CauseSplit) -> str:
    """What stands for the stack of a stall nobody could look at.

    The watchdog could not run because some thread kept the GIL: the loop's
    own (freeing a large result holds it without a break) when the loop was
    working, another thread's when it was starved.
    """
    if late:
        return "<waiting to run after select()>"
    if split.main == WORKING:
        return "<not seen: the loop kept the GIL throughout>"
    return "<not seen: another thread held the GIL throughout>"
