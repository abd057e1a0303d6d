"""Save a session: the runs, the heartbeat and the pings, as JSON, CSV and a trace.

A ``Session`` (``tui.engine.session``) is a frozen copy of what the live app or
headless mode measured. Three views of it are written side by side:
everything as plain JSON, one CSV row per run for a spreadsheet, and a
Chrome trace (``tui.output.trace``, the Trace Event Format) that opens in Chrome
DevTools' Performance panel and in ui.perfetto.dev, where the stalls line up
under the requests that caused them.

Standard library and the project's own modules only: no Textual, no Django.
"""

import csv
import io
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tui.engine.session import Session
from tui.output.files import free_stem, write_all_or_nothing
from tui.output.trace import chrome_trace

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


def session_json(session: Session) -> dict[str, Any]:
    """The session as plain, JSON-serialisable data (``report_data``'s shape)."""
    return {
        "meta": dict(session.meta),
        "results": [result.as_dict() for result in session.results],
        "heartbeat": [[s.t, s.lag] for s in session.samples],
        "busy_periods": [[b.start, b.duration] for b in session.busy_periods],
        "pings": [[p.due, p.latency] for p in session.pings],
        "stalls": [asdict(stall) for stall in session.stalls],
        "events": [note.as_dict() for note in session.events],
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
