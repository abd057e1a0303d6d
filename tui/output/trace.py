"""A session as a Chrome trace (Trace Event Format, JSON Object Format).

It opens in Chrome DevTools' Performance panel and in ui.perfetto.dev. One
process, "loopbeat":

* an "event loop" track with the long tasks and stalls, and the requests
  whose work ran on the loop thread;
* a track per thread that ran a request's queries, holding that request;
* each run as an async slice (category ``run``) spanning its requests, and
  counters for loop lag and ping latency.

Complete slices on one track must nest, as a call stack does (the format
says so; Perfetto misdraws the rest). Requests are concurrent, not nested:
when two overlap on one thread, both become async slices (category
``request``) that say which thread they ran on, instead of one pretending to
call the other. A block that overhangs the request it belongs to is cut at
the request's end (the loop only gets back to select() a little after the
response left). Times are microseconds from the session's earliest moment.

Standard library and the project's own modules only.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from tui.engine.results import RequestSpan, RunResult
from tui.engine.session import Session
from tui.instrument.formatting import describe_stall

LOOP_TID = 1
"""The trace's event-loop track; worker threads get the tids after it."""
LOOP_THREAD = "MainThread"
"""The thread the loop runs on, as the views name it."""
DEFAULT_STALL_THRESHOLD = 0.05
"""Seconds: busy periods longer than this are long tasks, as in LoopMonitor."""


@dataclass(frozen=True)
class _Request:
    run: RunResult
    index: int
    span: RequestSpan

    @property
    def end(self) -> float:
        return self.span.started + self.span.wall


def chrome_trace(session: Session) -> dict[str, Any]:
    """The session in the Trace Event Format, as a JSON-ready dict."""
    origin = _earliest(session)

    def us(t: float) -> float:
        return (t - origin) * 1e6

    requests = [
        _Request(run, index, span)
        for run in session.results
        for index, span in enumerate(run.requests)
    ]
    tids = _thread_tids(r.span.thread for r in requests)
    alone, together = _split_overlapping(requests, tids)
    events: list[dict[str, Any]] = []
    for run in session.results:
        events += _async_pair(
            "run",
            str(run.number),
            run.label,
            us(run.started),
            run.wall * 1e6,
            LOOP_TID,
            _run_args(run),
        )
    for r in alone:
        tid = tids[r.span.thread or LOOP_THREAD]
        events.append(
            _event(
                r.run.label,
                "X",
                us(r.span.started),
                tid,
                r.span.wall * 1e6,
                _request_args(r),
            )
        )
    for r in together:
        tid = tids[r.span.thread or LOOP_THREAD]
        events += _async_pair(
            "request",
            f"{r.run.number}.{r.index + 1}",
            r.run.label,
            us(r.span.started),
            r.span.wall * 1e6,
            tid,
            _request_args(r),
        )
    for start, duration, name, args in _long_tasks(session):
        args["duration_ms"] = duration * 1000
        events.append(_event(name, "X", us(start), LOOP_TID, duration * 1e6, args))
    _make_slices_nest(events)
    for s in session.samples:
        args = {"lag": s.lag * 1000}
        events.append(_event("loop lag (ms)", "C", us(s.t), LOOP_TID, args=args))
    for p in session.pings:
        # At the moment it was due: a frozen loop delays the sending too.
        args = {"latency": p.latency * 1000}
        events.append(_event("ping (ms)", "C", us(p.due), LOOP_TID, args=args))
    # By time; on a tie, longest first (a slice's parent precedes it) and an
    # async slice's end before another's beginning.
    events.sort(key=lambda e: (e["ts"], e["ph"] != "e", -e.get("dur", 0)))
    other = {"meta": dict(session.meta), "origin_perf_counter_s": origin}
    return {
        "traceEvents": _track_names(tids) + events,
        "displayTimeUnit": "ms",
        "otherData": other,
    }


def _run_args(run: RunResult) -> dict[str, Any]:
    args: dict[str, Any] = {"number": run.number, "verdict": run.verdict}
    args |= {"rows": run.rows, "queries": run.queries, "hops": run.hops}
    args |= {"error": run.error, "burst": run.burst, "status": run.status}
    args |= {"latency_ms": run.latency_ms, "wall_ms": run.wall * 1000}
    if run.causes is not None:
        args["loop_work"] = run.causes.loop_work()
    return args


def _request_args(r: _Request) -> dict[str, Any]:
    return {
        "run": r.run.number,
        "request": f"{r.index + 1} of {len(r.run.requests)}",
        "latency_ms": r.run.latency_ms,
        "status": r.span.status,
        "wall_ms": r.span.wall * 1000,
        "thread": r.span.thread or LOOP_THREAD,
        "query_threads": list(r.span.query_threads),
    }


def _make_slices_nest(events: list[dict[str, Any]]) -> None:
    """Cut complete slices so that, on each track, each nests or follows.

    The loop re-enters select() a little after a response left, so a block
    inside a request ends just after it; a stall seen late (after the GIL
    came back) can overlap the busy period that follows. The cut slice keeps
    its measured length in its args (``duration_ms``, ``wall_ms``). A long
    task gives way to a request: it is the one cut.
    """
    slices = sorted(
        (e for e in events if e["ph"] == "X"),
        key=lambda e: (e["tid"], e["ts"], -e["dur"]),
    )
    open_slices: list[dict[str, Any]] = []
    for event in slices:
        while open_slices and (
            open_slices[-1]["tid"] != event["tid"]
            or _end(open_slices[-1]) <= event["ts"]
        ):
            open_slices.pop()
        while open_slices and _end(event) > _end(parent := open_slices[-1]):
            if "request" in event["args"] and "request" not in parent["args"]:
                # The task began before the request: end it where it began.
                parent["dur"] = event["ts"] - parent["ts"]
                open_slices.pop()
            else:
                event["dur"] = _end(parent) - event["ts"]
        open_slices.append(event)


def _end(event: dict[str, Any]) -> float:
    return event["ts"] + event["dur"]


def _split_overlapping(
    requests: list[_Request], tids: dict[str, int]
) -> tuple[list[_Request], list[_Request]]:
    """(requests alone on their track while they ran, those that overlapped)."""
    alone: list[_Request] = []
    together: list[_Request] = []
    by_track: dict[int, list[_Request]] = {}
    for r in requests:
        by_track.setdefault(tids[r.span.thread or LOOP_THREAD], []).append(r)
    for track in by_track.values():
        track.sort(key=lambda r: r.span.started)
        groups: list[list[_Request]] = []
        group_end = -math.inf
        for r in track:
            if groups and r.span.started < group_end:
                groups[-1].append(r)
            else:
                groups.append([r])
                group_end = -math.inf
            group_end = max(group_end, r.end)
        for group in groups:
            (alone if len(group) == 1 else together).extend(group)
    return alone, together


def _earliest(session: Session) -> float:
    times = [
        *(r.started for r in session.results),
        *(s.t for s in session.samples),
        *(b.start for b in session.busy_periods),
        *(p.due for p in session.pings),
        *(s.start for s in session.stalls),
    ]
    return min(times, default=0.0)


def _thread_tids(threads: Iterable[str | None]) -> dict[str, int]:
    """A tid per thread that ran a request; the loop thread shares the loop's."""
    tids = {LOOP_THREAD: LOOP_TID}
    for name in threads:
        tids.setdefault(name or LOOP_THREAD, len(tids) + 1)
    return tids


def _track_names(tids: dict[str, int]) -> list[dict[str, Any]]:
    names = {LOOP_TID: "event loop"}
    names |= {tid: name for name, tid in tids.items() if tid != LOOP_TID}
    events = [_event("process_name", "M", 0, LOOP_TID, args={"name": "loopbeat"})]
    for tid, name in names.items():
        events.append(_event("thread_name", "M", 0, tid, args={"name": name}))
        # The event loop on top, then the workers in order of appearance.
        sort = {"sort_index": tid}
        events.append(_event("thread_sort_index", "M", 0, tid, args=sort))
    return events


def _long_tasks(session: Session) -> list[tuple[float, float, str, dict]]:
    """(start, duration, name, args) of each stall and other long busy period.

    A stall is a long busy period with a stack, and both carry the very same
    start (the monitor matches them on it): it is shown once, as the stall.
    """
    threshold = session.meta.get("stall_threshold_s", DEFAULT_STALL_THRESHOLD)
    stalls = {stall.start: stall for stall in session.stalls}
    tasks: list[tuple[float, float, str, dict[str, Any]]] = []
    for period in session.busy_periods:
        if period.start not in stalls and period.duration > threshold:
            tasks.append((period.start, period.duration, "long task", {}))
    periods = {period.start: period.duration for period in session.busy_periods}
    for stall in stalls.values():
        # A stall caught still going on has no duration; its period may.
        duration = stall.duration or periods.get(stall.start, 0.0)
        name = f"stall: {describe_stall(replace(stall, duration=duration))}"
        tasks.append((stall.start, duration, name, {"stack": list(stall.stack)}))
    return tasks


def _async_pair(
    category: str,
    ident: str,
    name: str,
    ts: float,
    dur: float,
    tid: int,
    args: dict[str, Any],
) -> list[dict[str, Any]]:
    """A nestable async slice: its "b" and "e" events."""
    begin = _event(name, "b", ts, tid, args=args) | {"cat": category, "id": ident}
    end = _event(name, "e", ts + max(dur, 0.0), tid) | {"cat": category, "id": ident}
    return [begin, end]


def _event(
    name: str,
    ph: str,
    ts: float,
    tid: int,
    dur: float | None = None,
    args: dict[str, Any] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {"name": name, "ph": ph, "ts": ts, "pid": 1, "tid": tid}
    if dur is not None:
        event["dur"] = max(dur, 0.0)
    if args is not None:
        event["args"] = args
    return event
