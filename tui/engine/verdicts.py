"""What a run did to the event loop, in one word and one sentence.

The verdict judges the demo alone, by cause (``tui.instrument.causes``): the screen's
drawing, loopbeat's own work and a busy machine never change it. Each kind
needs a minimum duration, so a few milliseconds of anything are not a
verdict, and the thresholds sit far from where the patterns land (measured
in ``benchmarks/verdict_stability.py``), so the same pattern gets the same
word run after run:

========================  =====================================================
froze                     the demo's code held the loop thread, on a CPU
blocked                   the demo's code held the loop thread in a system call
starved                   the demo's threads held the GIL the loop waited for
kept beating              none of these reached its minimum
raised / failed           the request answered an error
========================  =====================================================

A machine that kept the loop from a CPU for long is said beside the verdict.
"""

from dataclasses import dataclass

from tui.instrument.causes import RunCauses
from tui.instrument.formatting import format_seconds
from tui.instrument.owners import LONG_CALLBACK

RAISED = "raised"
FAILED = "failed"
FROZE = "froze"
BLOCKED = "blocked"
STARVED = "starved"
KEPT_BEATING = "kept beating"
UNMEASURED = "unmeasured"
REDIRECTED = "redirected"
KINDS = (RAISED, FAILED, FROZE, BLOCKED, STARVED, KEPT_BEATING, UNMEASURED, REDIRECTED)

HOLD_MIN = 0.05
"""The demo's own time on the loop thread (seconds) that can make it froze
or blocked: a long task, as browsers count them."""
HOLD_SHARE = 0.5
"""...and the share of the run's wall time it must take, less the time the
machine kept the loop from a CPU. The async ORM's own loop work (iterating
and freeing the result, about 40-60 ms of a 700 ms run) is far below; a
blocking call fills its run."""
STARVE_MIN = 0.1
"""The loop's wait for the GIL, charged to the demo's threads (seconds), that
makes it starved: 100 ms, a response's whole budget (what users feel as
"at once"), since starvation comes in slices of a switch interval (5 ms)
and only their sum is felt. Measured over 20 runs of every pattern, headless
and live, quiet and with one and two CPU hogs
(``benchmarks/verdict_stability.py``): the starving patterns wait 197-3700 ms;
the others at most 72 ms (aiosqlite under two hogs, whose GIL holder queues
for a CPU), mostly under 10 ms. 50 ms flipped aiosqlite 4 times in 20."""
STARVE_SAY = 0.01
"""GIL waits (seconds) worth saying in a "kept beating" verdict."""
MACHINE_BUSY_MIN = 0.05
"""Run-queue wait of the loop thread (seconds) worth saying beside the verdict."""
MACHINE_BUSY_SHARE = 0.1
"""...if it is also this share of the run."""
STOPPED_SAY = 0.1
"""Seconds the whole process was stopped during a run that make it
unmeasured: a stopped process is neither the demo nor the screen."""


@dataclass(frozen=True)
class Verdict:
    """The judgement on one run.

    Attributes:
        kind: One of ``KINDS``.
        text: The sentence for the table, built from the measurements.
        machine_busy: The loop thread's run-queue wait, when worth saying.
    """

    kind: str
    text: str
    machine_busy: float | None = None

    @property
    def held_the_loop(self) -> bool:
        """True when the demo stopped the loop itself: froze or blocked."""
        return self.kind in (FROZE, BLOCKED)

    @property
    def failed(self) -> bool:
        """True for a run whose request answered an error."""
        return self.kind in (RAISED, FAILED)

    def sentence(self) -> str:
        """The text, with the machine's part said beside it when it mattered."""
        if self.machine_busy is None:
            return self.text
        return f"{self.text}; machine busy {format_seconds(self.machine_busy)}"


def judge(
    causes: RunCauses | None,
    error: str | None,
    *,
    longest_hold: float | None = None,
    held_up_by: tuple[str, ...] = (),
    stopped: float = 0.0,
    redirect: str | None = None,
    login: bool = False,
) -> Verdict:
    """The verdict for a run with these causes (None: not measured) and error.

    Args:
        causes: What kept the loop from reacting, by cause (None: unmeasured).
        error: The request's error, if it answered one.
        longest_hold: The run's longest stall of its own code on the loop: a
            froze or blocked verdict states it, so it reads the same number
            as the stall line; without one it states the hold in all.
        held_up_by: Other runs whose code held the loop meanwhile, named in
            the sentence: their freeze is theirs, not this run's.
        stopped: Seconds the whole process was stopped during the run.
        redirect: Where the response sent the client, for a redirect that
            held nothing up: its own verdict.
        login: The redirect goes to the project's ``LOGIN_URL``.
    """
    if error:
        kind = error.split(":", 1)[0]
        if kind.isidentifier():
            return Verdict(RAISED, f"raised {kind}")
        return Verdict(FAILED, f"failed: {error}")
    if stopped >= STOPPED_SAY:
        return Verdict(
            UNMEASURED,
            f"unmeasured: the process was stopped {format_seconds(stopped)} "
            "(kill -STOP, Ctrl+Z or a paused machine); its clocks stood still "
            "while the wall clock ran",
        )
    if causes is None:
        return Verdict(KEPT_BEATING, "kept beating (causes not measured)")
    split = causes.split
    queued = split.queued
    machine = (
        queued
        if queued >= MACHINE_BUSY_MIN and queued >= MACHINE_BUSY_SHARE * causes.wall
        else None
    )
    held = split.working + split.blocked
    # The share is of the time the machine let the loop have: a run stretched
    # by another process's CPU use must not fall below the line because of it.
    if held >= HOLD_MIN and held >= HOLD_SHARE * (causes.wall - queued):
        if longest_hold is not None:
            figure = format_seconds(longest_hold)
        else:
            figure = f"{format_seconds(held)} in all"
        if split.working >= split.blocked:
            return Verdict(FROZE, f"froze the loop for {figure}", machine)
        return Verdict(BLOCKED, f"blocked the loop {figure}: system call", machine)
    held_up = f"; held up by {', '.join(held_up_by)}" if held_up_by else ""
    if split.starved >= STARVE_MIN:
        return Verdict(
            STARVED,
            f"starved: waited {format_seconds(split.starved)} for the GIL{held_up}",
            machine,
        )
    if redirect is not None:
        why = ": login required" if login else ""
        return Verdict(REDIRECTED, f"redirected to {redirect}{why}", machine)
    if causes.longest_demo > 0:
        held_text = f"≤ {format_seconds(causes.longest_demo)}"
    else:
        held_text = f"< {format_seconds(LONG_CALLBACK)}"
    text = f"kept beating: its code held it {held_text}"
    if split.starved >= STARVE_SAY:
        text += f", GIL waits {format_seconds(split.starved)}"
    return Verdict(KEPT_BEATING, text + held_up, machine)
