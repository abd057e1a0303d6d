"""Which run ``r`` replays, or the true reason it cannot replay one.

"Nothing to replay" was said while a run was in flight, during a burst and
after runs that raised: each has its own reason, and the presenter needs the
one that applies. Pure, no UI.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tui.engine.replay import PAD_SECONDS, Recording, from_run

if TYPE_CHECKING:
    from tui.engine.client import RunResult
    from tui.engine.probe import PingProbe
    from tui.instrument.heartbeat import LoopMonitor


class NothingToReplay(Exception):
    """No run can be replayed now; the message says why, for the screen."""


def pick_recording(
    results: Sequence["RunResult"],
    monitor: "LoopMonitor",
    probe: "PingProbe",
    in_flight: Mapping[int, str],
    runs_started: int,
) -> Recording:
    """The newest run that answered, as a recording.

    Args:
        results: The session's finished runs, oldest first.
        monitor: The loop monitor, whose window bounds what can be replayed.
        probe: The ping probe.
        in_flight: Runs started and not finished, by number: their labels.
        runs_started: Runs numbered so far (failed ones included).

    Raises:
        NothingToReplay: with the reason that applies.
    """
    answered = next((r for r in reversed(results) if r.error is None), None)
    if answered is not None:
        recording = from_run(answered, monitor, probe)
        if recording is not None:
            return recording
    if in_flight:
        number = max(in_flight)
        return_when = "press r again once it has finished"
        raise NothingToReplay(
            f"#{number} {in_flight[number]} is still running: {return_when}"
        )
    if answered is not None:
        kept = monitor.window - PAD_SECONDS
        raise NothingToReplay(
            f"#{answered.number} {answered.label}, the last run that answered, "
            f"is too old to replay: the ticks of a run are kept for {kept:g} s "
            "after it started"
        )
    raised = next((r for r in reversed(results) if r.error), None)
    if raised is not None:
        raise NothingToReplay(
            f"#{raised.number} {raised.label} {raised.verdict}: only a run that "
            "answered can be replayed; run one, then press r"
        )
    if runs_started:
        raise NothingToReplay(
            "no run has given a result yet (their rows say why they failed); "
            "run a pattern, then press r"
        )
    raise NothingToReplay("Nothing to replay yet: run a pattern, then press r")
