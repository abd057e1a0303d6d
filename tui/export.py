"""Save a session: the runs, the heartbeat and the pings, as JSON, CSV and a trace.

A ``Session`` is a frozen copy of what the live app or headless mode measured.
Three views of it are written side by side: everything as plain JSON, one CSV
row per run for a spreadsheet, and a Chrome trace (Trace Event Format) that
opens in Chrome DevTools' Performance panel and in ui.perfetto.dev, where the
stalls line up under the requests that caused them.

Standard library and the project's own modules only: no Textual, no Django.
"""

import csv
import io
import json
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Self

from tui.archive import ArchiveCut
from tui.client import RunResult
from tui.files import free_stem, write_all_or_nothing
from tui.heartbeat import LoopMonitor
from tui.loopstats import BusyPeriod, Sample, Stall
from tui.probe import PingProbe, PingSample
from tui.trace import chrome_trace

CSV_COLUMNS = (
    "number",
    "label",
    "pattern",
    "burst",
    "started_s",
    "wall_ms",
    "status",
    "rows",
    "queries",
    "query_threads",
    "loop_max_lag_ms",
    "loop_p99_lag_ms",
    "loop_blocked_ms",
    "ping_p99_ms",
    "ping_max_ms",
    "latency_ms",
    "verdict",
    "error",
)


class ExportError(Exception):
    """A session could not be written; the message says where and why."""


def export_stem(now: float | None = None) -> str:
    """The file name stem every export and screenshot of a moment shares."""
    return time.strftime("loopbeat-%Y%m%d-%H%M%S", time.localtime(now))


@dataclass(frozen=True)
class Session:
    """A snapshot of one session; every time is ``time.perf_counter()`` seconds.

    Attributes:
        results: The runs, in the order they were made.
        samples: Heartbeat ticks (when, how late).
        busy_periods: Stretches during which the loop could not react.
        pings: The probe's pings (when due, how long the answer took).
        stalls: Long busy periods with the stack that caused them.
        meta: Free-form facts (database, versions, latency_ms, interval_s,
            monitor_mode, stall_threshold_s, ...); must be JSON-serialisable.
    """

    results: tuple[RunResult, ...] = ()
    samples: tuple[Sample, ...] = ()
    busy_periods: tuple[BusyPeriod, ...] = ()
    pings: tuple[PingSample, ...] = ()
    stalls: tuple[Stall, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def capture(
        cls,
        results: Iterable[RunResult],
        monitor: LoopMonitor,
        probe: PingProbe | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> Self:
        """Copy what the monitor and the probe still hold; call it on the loop.

        That is their window (60 s in the app); ``with_archive`` adds the
        rest of the session.

        Args:
            results: The runs to include.
            monitor: The running (or stopped) loop monitor.
            probe: The ping probe, if there was one.
            meta: Extra facts; they override the monitor's own on a clash.
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


def session_json(session: Session) -> dict[str, Any]:
    """The session as plain, JSON-serialisable data (``report_data``'s shape)."""
    return {
        "meta": dict(session.meta),
        "results": [result.as_dict() for result in session.results],
        "heartbeat": [[s.t, s.lag] for s in session.samples],
        "busy_periods": [[b.start, b.duration] for b in session.busy_periods],
        "pings": [[p.due, p.latency] for p in session.pings],
        "stalls": [asdict(stall) for stall in session.stalls],
    }


def session_csv(session: Session) -> str:
    """One row per run, header first; durations in milliseconds.

    ``started_s`` counts from the first run or the first heartbeat tick,
    whichever came first.
    """
    starts = [r.started for r in session.results] + [s.t for s in session.samples]
    origin = min(starts, default=0.0)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in session.results:
        writer.writerow(
            [
                r.number,
                r.label,
                r.pattern,
                r.burst,
                f"{r.started - origin:.6f}",
                _ms(r.wall),
                r.status,
                r.rows,
                r.queries,
                ";".join(r.query_threads),
                _ms(r.loop_max_lag),
                _ms(r.loop_p99_lag),
                _ms(r.loop_blocked),
                _ms(r.ping_p99),
                _ms(r.ping_max),
                f"{r.latency_ms:g}",
                r.verdict,
                r.error or "",
            ]
        )
    return out.getvalue()


def _ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1000:.3f}"


def export_session(session: Session, directory: Path, stem: str) -> list[Path]:
    """Write ``<stem>.json``, ``<stem>.csv`` and ``<stem>.trace.json``.

    Args:
        session: What to write.
        directory: An existing, writable directory.
        stem: The file name without its extension.

    Returns:
        The paths written, in that order.

    Raises:
        ExportError: If the directory is missing or a file cannot be written.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ExportError(f"cannot export: no directory {directory}")
    suffixes = (".json", ".csv", ".trace.json")
    # A name of its own: two exports in one second never share (or mix) one.
    stem = free_stem(directory, stem, suffixes)
    # Everything is rendered before the first write, so a failure while
    # rendering leaves no mix of new and old files behind.
    texts = {
        directory / f"{stem}.json": json.dumps(session_json(session), indent=1),
        directory / f"{stem}.csv": session_csv(session),
        directory / f"{stem}.trace.json": json.dumps(chrome_trace(session)),
    }
    try:
        write_all_or_nothing(texts)
    except OSError as error:
        where = getattr(error, "filename", None) or directory
        raise ExportError(
            f"cannot write {where}: {error.strerror or error}; nothing was exported"
        ) from error
    return list(texts)
