"""A session: a frozen copy of what the live app or headless mode measured.

``Session.capture`` copies what the monitor and the probe still hold (on the
loop); ``with_archive`` adds the rest of the session from the archive (in any
thread). ``tui.output.export`` writes it as JSON and CSV, ``tui.output.trace``
as a Chrome trace. Standard library and the project's own modules only.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self

from tui.engine.event_notes import EventNote
from tui.engine.probe import PingProbe, PingSample
from tui.engine.results import RunResult
from tui.instrument.archive import ArchiveCut
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import BusyPeriod, Sample, Stall


@dataclass(frozen=True)
class Session:
    """A snapshot of one session; every time is ``time.perf_counter()`` seconds.

    Attributes:
        results: The runs, in the order they were made.
        samples: Heartbeat ticks (when, how late).
        busy_periods: Stretches during which the loop could not react.
        pings: The probe's pings (when due, how long the answer took).
        stalls: Long busy periods with the stack that caused them.
        events: What the events panel said, oldest first (bounded:
            ``meta["events_dropped"]`` older ones made way).
        meta: Free-form facts (database, versions, latency_ms, interval_s,
            monitor_mode, stall_threshold_s, ...); must be JSON-serialisable.
    """

    results: tuple[RunResult, ...] = ()
    samples: tuple[Sample, ...] = ()
    busy_periods: tuple[BusyPeriod, ...] = ()
    pings: tuple[PingSample, ...] = ()
    stalls: tuple[Stall, ...] = ()
    events: tuple[EventNote, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def capture(
        cls,
        results: Iterable[RunResult],
        monitor: LoopMonitor,
        probe: PingProbe | None = None,
        meta: Mapping[str, Any] | None = None,
        events: Iterable[EventNote] = (),
    ) -> Self:
        """Copy what the monitor and the probe still hold; call it on the loop.

        That is their window (60 s in the app); ``with_archive`` adds the
        rest of the session.

        Args:
            results: The runs to include.
            monitor: The running (or stopped) loop monitor.
            probe: The ping probe, if there was one.
            meta: Extra facts; they override the monitor's own on a clash.
            events: The events said so far.
        """
        # -inf: all the monitor kept, not just its statistics window.
        samples = tuple(monitor.samples(since=-math.inf))
        pings = tuple(probe.samples()) if probe is not None else ()
        # Stall is mutable (the watchdog fills in the duration): copy it,
        # so the snapshot cannot change after it was taken.
        stalls = tuple(replace(stall) for stall in monitor.stalls)
        return cls(
            results=tuple(results),
            samples=samples,
            busy_periods=tuple(monitor.busy_periods(since=-math.inf)),
            pings=pings,
            stalls=stalls,
            events=tuple(events),
            meta={
                "interval_s": monitor.interval,
                # Busy periods cover this much, up to the snapshot; ticks,
                # pings and stalls too, unless whole_session.
                "heartbeat_window_s": monitor.window,
                "whole_session": False,
                "monitor_mode": monitor.mode,
                "stall_threshold_s": monitor.stall_threshold,
                **(meta or {}),
            },
        )

    def with_archive(self, cut: ArchiveCut) -> Self:
        """This snapshot with the whole session's ticks, pings and stalls.

        Any thread: reading a long session's archive takes a while, and the
        app does it off the loop it measures.
        """
        # The snapshot's stalls are complete for the monitor's window (an
        # ended stall reaches the archive a moment later, on the loop); the
        # archive adds whatever is older than that.
        oldest = self.stalls[0].start if self.stalls else math.inf
        older = tuple(stall for stall in cut.stalls() if stall.start < oldest)
        return replace(
            self,
            samples=tuple(cut.ticks()),
            pings=tuple(PingSample(due, latency) for due, latency in cut.pings()),
            stalls=older + self.stalls,
            meta={**self.meta, "whole_session": True},
        )
