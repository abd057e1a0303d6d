"""A run's recording, played back in slow motion: pure, no UI.

Live, a 600 ms freeze passes in under a second, one column of a graph that
moves on; the room sees that something happened, not how. The heartbeat's
ticks and the pings are already recorded, so a run can be played again,
stretched across the whole width and slowed down: the freeze then grows
column by column while the presenter talks over it.

In the replay a stall in progress is drawn as it grows (how long the loop
has been stuck so far). Live, nobody can know that until the loop comes
back; the recording knows, and saying it is the point of a replay.
"""

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.instrument.formatting import describe_stall

if TYPE_CHECKING:
    from tui.engine.probe import PingProbe
    from tui.engine.results import RunResult
    from tui.instrument.heartbeat import LoopMonitor

PAD_SECONDS = 0.5
"""Recorded time shown before the run starts and after it ends."""
REPLAY_SECONDS = 20.0
"""About how long a replay lasts at most, at the slowest speed that fits."""
SLOWDOWNS = (10, 5, 2)
"""The speeds a replay may run at (times slower than it happened)."""

Event = tuple[float, float]
"""Something that ended at a moment after lasting a while: ``(end, seconds)``.

A heartbeat tick ``lag`` seconds late ends at the tick and lasted ``lag`` (the
loop was stuck for all of it); a ping ends when it was answered and lasted
its latency.
"""


@dataclass(frozen=True)
class StallMark:
    """A stall within the recording, for the line shown when the replay is in it."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Recording:
    """What the instruments saw around one run (``perf_counter`` seconds)."""

    number: int
    label: str
    started: float
    ended: float
    lags: tuple[Event, ...]
    pings: tuple[Event, ...]
    stalls: tuple[StallMark, ...] = ()
    verdict: str = ""
    cut: float = math.inf
    """When it was taken: a run replayed just after it ended has less than
    ``PAD_SECONDS`` after it, and the replay ends where the recording does."""

    @property
    def since(self) -> float:
        """The start of what the replay shows."""
        return self.started - PAD_SECONDS

    @property
    def until(self) -> float:
        """The end of what the replay shows."""
        return max(self.ended, min(self.ended + PAD_SECONDS, self.cut))

    @property
    def span(self) -> float:
        """How much recorded time the replay shows."""
        return self.until - self.since

    @property
    def slowdown(self) -> int:
        """How many times slower than real time it plays.

        The slowest of ``SLOWDOWNS`` that keeps the replay within
        ``REPLAY_SECONDS``; a long run plays at the fastest of them anyway
        (a replay at real speed would only repeat what the room saw).
        """
        return next(
            (s for s in SLOWDOWNS if self.span * s <= REPLAY_SECONDS), SLOWDOWNS[-1]
        )

    @property
    def largest(self) -> float:
        """The largest lag or ping recorded (a linear scale's top must fit it)."""
        return max((value for _, value in (*self.lags, *self.pings)), default=0.0)

    def moment(self, elapsed: float) -> float:
        """The recorded moment shown ``elapsed`` seconds into the replay."""
        return min(self.until, self.since + elapsed / self.slowdown)

    def stall_at(self, moment: float) -> StallMark | None:
        """The stall the loop was in at ``moment``, if any (the longest)."""
        inside = [s for s in self.stalls if s.start <= moment < s.end]
        return max(inside, key=lambda s: s.end - s.start, default=None)


def _column(t: float, since: float, column_seconds: float) -> int:
    # The nudge keeps a moment on a boundary in the column it starts, where
    # floating point would put 1.1 / 0.1 at 10.999….
    return math.floor((t - since) / column_seconds + 1e-9)


def columns(
    events: Iterable[Event], since: float, column_seconds: float, count: int, at: float
) -> list[float | None]:
    """Each column's largest value as known at moment ``at``; None where empty.

    Column 0 starts at ``since``. An event covers every column from its
    start to its end; one still going on at ``at`` covers the columns up to
    ``at`` with how long it has lasted so far. Columns after ``at`` are empty.
    """
    values: list[float | None] = [None] * count
    for end, seconds in events:
        start = end - seconds
        if start > at:
            continue
        shown = seconds if end <= at else at - start
        first = _column(start, since, column_seconds)
        last = _column(min(end, at), since, column_seconds)
        for index in range(max(first, 0), min(last, count - 1) + 1):
            current = values[index]
            if current is None or shown > current:
                values[index] = shown
    return values


def run_columns(
    recording: Recording, column_seconds: float, count: int
) -> tuple[int, int]:
    """The first and last column the run itself covers."""
    first = _column(recording.started, recording.since, column_seconds)
    last = _column(recording.ended, recording.since, column_seconds)
    return max(0, first), min(count - 1, last)


def record(
    number: int,
    label: str,
    started: float,
    ended: float,
    lags: Sequence[Event],
    pings: Sequence[Event],
    stalls: Sequence[StallMark] = (),
    verdict: str = "",
    cut: float = math.inf,
) -> Recording:
    """A recording of the events that overlap the run's padded window."""
    since, until = started - PAD_SECONDS, ended + PAD_SECONDS

    def overlaps(end: float, seconds: float) -> bool:
        return end >= since and end - seconds <= until

    return Recording(
        number=number,
        label=label,
        started=started,
        ended=ended,
        lags=tuple(sorted(e for e in lags if overlaps(*e))),
        pings=tuple(sorted(e for e in pings if overlaps(*e))),
        stalls=tuple(s for s in stalls if s.end >= since and s.start <= until),
        verdict=verdict,
        cut=cut,
    )


def from_run(
    result: "RunResult", monitor: "LoopMonitor", probe: "PingProbe"
) -> Recording | None:
    """The recording of a finished run, or None if its ticks are no longer kept.

    The monitor keeps its last ``window`` seconds of ticks: a run that
    started before that can no longer be replayed whole.
    """
    now = time.perf_counter()
    if now - result.started > monitor.window - PAD_SECONDS:
        return None
    ended = result.started + result.wall
    since, until = result.started - PAD_SECONDS, ended + PAD_SECONDS
    stalls = [
        StallMark(s.start, s.start + s.duration, describe_stall(s))
        for s in monitor.stalls
        if s.duration is not None
    ]
    return record(
        result.number,
        result.label,
        result.started,
        ended,
        [(s.t, s.lag) for s in monitor.samples(since, until + 1.0)],
        [(p.due + p.latency, p.latency) for p in probe.samples(since, until)],
        stalls,
        result.verdict,
        cut=now,
    )
