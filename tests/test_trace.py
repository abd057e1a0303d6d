"""The Chrome trace: its shape, and a schema check written from the spec."""

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from tests.factories import STACK, T0, WORKER, make_result, make_session, make_span
from tui.engine.bench import Bench
from tui.engine.runs import RunSpec
from tui.engine.session import Session
from tui.instrument.loopstats import BusyPeriod, Stall
from tui.lessons.demo import demo_target
from tui.lessons.patterns import find
from tui.output.trace import chrome_trace

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "trace_event_format.schema.json").read_text()
)


def events(trace: dict, ph: str, name: str | None = None) -> list[dict]:
    return [
        e
        for e in trace["traceEvents"]
        if e["ph"] == ph and (name is None or e["name"] == name)
    ]


def thread_tids(trace: dict) -> dict[str, int]:
    return {e["args"]["name"]: e["tid"] for e in events(trace, "M", "thread_name")}


# The Chrome trace


def test_trace_events_have_the_fields_the_format_requires() -> None:
    trace = chrome_trace(make_session())

    assert set(trace) == {"traceEvents", "displayTimeUnit", "otherData"}
    assert trace["displayTimeUnit"] == "ms"
    for event in trace["traceEvents"]:
        assert isinstance(event["name"], str) and event["name"]
        assert event["ph"] in {"X", "C", "M", "b", "e"}
        assert isinstance(event["ts"], int | float) and event["ts"] >= 0
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        if event["ph"] == "X":
            assert isinstance(event["dur"], int | float) and event["dur"] >= 0
        if event["ph"] in {"b", "e"}:
            assert event["cat"] in {"run", "request"}
            assert isinstance(event["id"], str)
        if event["ph"] == "C":
            values = event["args"].values()
            assert values and all(isinstance(v, int | float) for v in values)
    stamps = [e["ts"] for e in trace["traceEvents"]]
    assert stamps == sorted(stamps)
    assert json.loads(json.dumps(trace)) == trace


def test_trace_times_are_microseconds_from_the_session_start() -> None:
    trace = chrome_trace(make_session())

    (request,) = events(trace, "X", "async-for")
    assert request["ts"] == pytest.approx(1_500_000, abs=1)
    assert request["dur"] == pytest.approx(0.25e6, abs=1)
    assert min(e["ts"] for e in events(trace, "C")) == 0
    assert trace["otherData"]["origin_perf_counter_s"] == T0


def test_trace_puts_each_request_on_the_thread_that_ran_its_queries() -> None:
    trace = chrome_trace(make_session())

    (process,) = events(trace, "M", "process_name")
    assert process["args"] == {"name": "loopbeat"}
    tids = thread_tids(trace)
    assert set(tids) == {"event loop", WORKER}  # no track without a slice
    assert tids[WORKER] != tids["event loop"]
    on_tid = {e["name"]: e["tid"] for e in events(trace, "X")}
    assert on_tid["async-for"] == tids[WORKER]
    # Queries on MainThread: the request ran on the loop.
    assert on_tid["sync-unguarded"] == tids["event loop"]


def test_a_burst_on_separate_threads_is_one_slice_per_request_on_each() -> None:
    threads = [f"ThreadPoolExecutor-{i}_0" for i in range(5)]
    spans = tuple(
        make_span(T0 + 0.01 * i, 0.5 + 0.1 * i, 200, (thread,), "MainThread")
        for i, thread in enumerate(threads)
    )
    run = make_result(
        pattern="async-for",
        burst=5,
        number=23,
        latency_ms=20.0,
        started=T0,
        wall=0.95,
        query_threads=tuple(threads),
        requests=spans,
    )
    trace = chrome_trace(make_session(results=(run,)))

    tids = thread_tids(trace)
    slices = events(trace, "X", "async-for:5")
    assert sorted(e["tid"] for e in slices) == sorted(tids[t] for t in threads)
    for event, span in zip(sorted(slices, key=lambda e: e["ts"]), spans, strict=True):
        assert event["tid"] == tids[span.query_threads[0]]
        assert event["dur"] == pytest.approx(span.wall * 1e6, abs=1)
        assert event["args"]["run"] == 23
        assert event["args"]["latency_ms"] == 20.0
    assert {e["args"]["request"] for e in slices} == {f"{i} of 5" for i in range(1, 6)}


def test_requests_overlapping_on_one_thread_are_async_not_nested() -> None:
    # Five sync-unguarded requests sent at once all run on the loop thread.
    spans = tuple(
        make_span(T0 + 0.001 * i, 0.1 * (i + 1), 200, ("MainThread",), "MainThread")
        for i in range(3)
    )
    run = make_result(
        pattern="sync-unguarded",
        burst=3,
        number=7,
        started=T0,
        wall=0.3,
        query_threads=("MainThread",),
        requests=spans,
    )
    trace = chrome_trace(make_session(results=(run,), stalls=(), busy_periods=()))

    assert events(trace, "X") == []
    begins = [e for e in events(trace, "b") if e["cat"] == "request"]
    ends = [e for e in events(trace, "e") if e["cat"] == "request"]
    assert sorted(e["id"] for e in begins) == ["7.1", "7.2", "7.3"]
    assert sorted(e["id"] for e in ends) == ["7.1", "7.2", "7.3"]
    assert {e["args"]["thread"] for e in begins} == {"MainThread"}


def test_each_run_is_an_async_slice_with_its_number_and_figures() -> None:
    trace = chrome_trace(make_session())

    runs = {e["name"]: e for e in events(trace, "b") if e["cat"] == "run"}
    ends = {e["id"]: e for e in events(trace, "e") if e["cat"] == "run"}
    assert set(runs) == {"async-for", "sync-guarded:3", "sync-unguarded"}
    run = runs["sync-guarded:3"]
    assert run["args"]["burst"] == 3
    assert run["args"]["error"] == 'OperationalError: no "books", sorry'
    assert run["args"]["verdict"] == "raised OperationalError"
    assert {"rows", "queries", "number", "latency_ms", "hops"} <= set(run["args"])
    assert ends[run["id"]]["ts"] - run["ts"] == pytest.approx(0.5e6, abs=1)


def test_trace_shows_stalls_and_long_busy_periods_on_the_loop_track() -> None:
    trace = chrome_trace(make_session())
    loop = thread_tids(trace)["event loop"]

    (stall,) = events(
        trace, "X", "stall: froze 300 ms at demoapp/views.py:42 in books_sync"
    )
    assert stall["tid"] == loop
    assert stall["ts"] == pytest.approx(2e6, abs=1)
    assert stall["dur"] == pytest.approx(0.3e6, abs=1)
    assert stall["args"]["stack"] == list(STACK)
    # The stall's own busy period is not shown twice, the short one not at all.
    (long_task,) = events(trace, "X", "long task")
    assert long_task["tid"] == loop
    assert long_task["ts"] == pytest.approx(1e6, abs=1)
    assert long_task["dur"] == pytest.approx(0.12e6, abs=1)


def assert_slices_nest(trace: dict) -> None:
    """On each track, a slice lies wholly inside or wholly after the previous."""
    open_ends: dict[int, list[float]] = {}
    for event in events(trace, "X"):
        stack = open_ends.setdefault(event["tid"], [])
        while stack and stack[-1] <= event["ts"]:
            stack.pop()
        end = event["ts"] + event["dur"]
        # Within a nanosecond: Perfetto keeps integer ns, float sums drift.
        assert not stack or end <= stack[-1] + 1e-3, event
        stack.append(end)


def test_trace_cuts_a_block_overhanging_its_run_so_slices_nest() -> None:
    # As measured: the loop re-enters select() just after the response left.
    run = make_result(
        pattern="sleep-block",
        started=T0 + 1.0,
        wall=0.1,
        query_threads=(),
        view_threads=("MainThread",),
    )
    overhang = Stall(T0 + 1.001, 0.09903, None, "views.py:9 in v", ())
    session = make_session(
        results=(run,), busy_periods=(BusyPeriod(T0 + 1.001, 0.09903),)
    )
    trace = chrome_trace(replace(session, stalls=(overhang,)))

    (stall,) = events(trace, "X", "stall: froze 99.0 ms at views.py:9 in v")
    assert stall["ts"] + stall["dur"] == pytest.approx(1.1e6, abs=1)
    assert stall["args"]["duration_ms"] == pytest.approx(99.03)
    assert_slices_nest(trace)
    assert_slices_nest(chrome_trace(make_session()))


def test_trace_counters_hold_lag_and_ping_in_milliseconds() -> None:
    trace = chrome_trace(make_session())

    lags = [e["args"]["lag"] for e in events(trace, "C", "loop lag (ms)")]
    pings = [e["args"]["latency"] for e in events(trace, "C", "ping (ms)")]
    assert lags == pytest.approx([1.0, 300.0])
    assert pings == pytest.approx([2.0, 260.0])


def test_trace_of_an_empty_session_names_the_loop_only() -> None:
    trace = chrome_trace(Session())

    assert {e["ph"] for e in trace["traceEvents"]} == {"M"}
    assert thread_tids(trace) == {"event loop": 1}


# An independent check: a JSON Schema written from the format's specification


def assert_async_slices_pair(trace: dict) -> None:
    """Every async begin has one end, with the same category and id, after it."""
    begins = {(e["cat"], e["id"]): e for e in events(trace, "b")}
    ends = {(e["cat"], e["id"]): e for e in events(trace, "e")}
    assert len(begins) == len(events(trace, "b"))  # ids are unique
    assert begins.keys() == ends.keys()
    for key, begin in begins.items():
        assert ends[key]["ts"] >= begin["ts"]
        assert ends[key]["name"] == begin["name"]


def test_the_schema_rejects_what_the_format_forbids() -> None:
    good = chrome_trace(make_session())
    jsonschema.validate(good, SCHEMA)
    broken = [
        {"name": "x", "ph": "X", "ts": 0, "pid": 1, "tid": 1},  # no dur
        {"name": "x", "ph": "b", "ts": 0, "pid": 1, "tid": 1, "cat": "run"},  # no id
        {"name": "x", "ph": "C", "ts": 0, "pid": 1, "tid": 1, "args": {"v": "1"}},
        {"name": "x", "ph": "Q", "ts": 0, "pid": 1, "tid": 1},
    ]
    for event in broken:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"traceEvents": [event]}, SCHEMA)


def test_built_traces_pass_the_schema_and_pair_and_nest() -> None:
    for session in (make_session(), Session()):
        trace = json.loads(json.dumps(chrome_trace(session)))
        jsonschema.validate(trace, SCHEMA)
        assert_async_slices_pair(trace)
        assert_slices_nest(trace)


async def test_a_real_sessions_trace_passes_the_schema(demo_db) -> None:
    async with Bench(demo_target(demo_db)) as bench:
        for label in (
            "async-get-count:3",
            "sync-view:2",
            "gather-native",
            "sleep-block",
        ):
            await bench.run_now(RunSpec.parse(label, catalog=find))
        session = bench.snapshot()
    trace = json.loads(json.dumps(chrome_trace(session)))

    jsonschema.validate(trace, SCHEMA)
    assert_async_slices_pair(trace)
    assert_slices_nest(trace)
    # Every request is in the trace once, as a slice or an async pair.
    requests = [
        e
        for e in trace["traceEvents"]
        if e["ph"] == "X" and "request" in e.get("args", {})
    ]
    requests += [e for e in events(trace, "b") if e["cat"] == "request"]
    assert len(requests) == 3 + 2 + 1 + 1
    # The sync view's two requests ran on threads of their own, not the loop.
    view = [e for e in requests if e["name"] == "sync-view:2"]
    assert {e["args"]["thread"] for e in view} != {"MainThread"}
    runs = [e for e in events(trace, "b") if e["cat"] == "run"]
    assert [e["args"]["number"] for e in runs] == [1, 2, 3, 4]


def test_overlapping_stalls_and_a_task_straddling_a_request_are_cut_to_nest() -> None:
    # A stall seen late overlaps the busy period after it; a long task began
    # just before a request that ran on the loop and went on inside it.
    late = Stall(T0 + 1.0, 0.2, None, "a.py:1 in f", (), late=True)
    busy = Stall(T0 + 1.15, 0.2, None, "b.py:2 in g", ())
    span = make_span(T0 + 2.0, 0.3, 200, ("MainThread",), "MainThread")
    run = make_result(
        pattern="sync-unguarded",
        started=T0 + 2.0,
        wall=0.3,
        query_threads=("MainThread",),
        requests=(span,),
    )
    session = make_session(
        results=(run,),
        stalls=(late, busy),
        busy_periods=(BusyPeriod(T0 + 1.95, 0.2),),
        samples=(),
        pings=(),
    )
    trace = chrome_trace(session)

    assert_slices_nest(trace)
    slices = {e["name"].split(" ")[0]: e for e in events(trace, "X")}
    (request,) = [e for e in events(trace, "X") if "request" in e["args"]]
    assert request["dur"] == pytest.approx(0.3e6, abs=1)  # never cut
    task = slices["long"]
    assert task["ts"] + task["dur"] == pytest.approx(request["ts"], abs=1)
    assert task["args"]["duration_ms"] == pytest.approx(200.0)  # as measured
