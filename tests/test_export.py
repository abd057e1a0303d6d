"""Exporting a session: JSON, CSV, a Chrome trace, and files never half written."""

import ast
import asyncio
import csv
import io
import json
import math
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.factories import make_causes, make_result
from tui import export, files
from tui.export import (
    CSV_COLUMNS,
    ExportError,
    Session,
    chrome_trace,
    export_session,
    session_csv,
    session_json,
)
from tui.files import write_atomically
from tui.heartbeat import LoopMonitor
from tui.loopstats import BusyPeriod, Sample, Stall
from tui.probe import PingSample

T0 = 1000.0  # an arbitrary perf_counter origin: everything is relative to it
WORKER = "ThreadPoolExecutor-3_0"
STACK = ("asgi.py:10 in handle", "demoapp/views.py:42 in books_sync")


def make_session(**changes) -> Session:
    """A session with a run on a worker, one on the loop, a stall and pings."""
    stall = Stall(T0 + 2.0, 0.3, "demoapp/views.py:42 in books_sync", "x", STACK)
    base = dict(
        results=(
            make_result(
                pattern="async-for",
                started=T0 + 1.5,
                wall=0.25,
                query_threads=(WORKER,),
            ),
            make_result(
                pattern="sync-guarded",
                burst=3,
                started=T0 + 1.9,
                wall=0.5,
                query_threads=(),
                loop_blocked=0.45,
                error='OperationalError: no "books", sorry',
            ),
            make_result(
                pattern="sync-unguarded",
                started=T0 + 3.0,
                query_threads=("MainThread",),
            ),
        ),
        samples=(Sample(T0, 0.001), Sample(T0 + 2.3, 0.3)),
        busy_periods=(
            BusyPeriod(T0 + 0.5, 0.01),  # below the threshold: not a long task
            BusyPeriod(T0 + 1.0, 0.12),  # a long task without a stall
            BusyPeriod(T0 + 2.0, 0.3),  # the stall's own period
        ),
        pings=(PingSample(T0 + 0.2, 0.002), PingSample(T0 + 2.05, 0.26)),
        stalls=(stall,),
        meta={"latency_ms": 2.0, "stall_threshold_s": 0.05},
    )
    return Session(**{**base, **changes})


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
        assert event["ph"] in {"X", "C", "M"}
        assert isinstance(event["ts"], int | float) and event["ts"] >= 0
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int)
        if event["ph"] == "X":
            assert isinstance(event["dur"], int | float) and event["dur"] >= 0
        if event["ph"] == "C":
            values = event["args"].values()
            assert values and all(isinstance(v, int | float) for v in values)
    stamps = [e["ts"] for e in trace["traceEvents"]]
    assert stamps == sorted(stamps)
    assert json.loads(json.dumps(trace)) == trace


def test_trace_times_are_microseconds_from_the_session_start() -> None:
    trace = chrome_trace(make_session())

    (run,) = events(trace, "X", "async-for")
    assert run["ts"] == pytest.approx(1_500_000, abs=1)
    assert run["dur"] == pytest.approx(0.25e6, abs=1)
    assert min(e["ts"] for e in events(trace, "C")) == 0
    assert trace["otherData"]["origin_perf_counter_s"] == T0


def test_trace_names_the_process_and_puts_workers_on_their_own_tracks() -> None:
    trace = chrome_trace(make_session())

    (process,) = events(trace, "M", "process_name")
    assert process["args"] == {"name": "loopbeat"}
    tids = thread_tids(trace)
    assert set(tids) == {"event loop", WORKER}
    assert tids[WORKER] != tids["event loop"]
    on_tid = {e["name"]: e["tid"] for e in events(trace, "X")}
    assert on_tid["async-for"] == tids[WORKER]
    # No query thread, or queries on MainThread: the run happened on the loop.
    assert on_tid["sync-guarded:3"] == tids["event loop"]
    assert on_tid["sync-unguarded"] == tids["event loop"]


def test_trace_run_args_carry_the_measurements() -> None:
    trace = chrome_trace(make_session())

    (run,) = events(trace, "X", "sync-guarded:3")
    assert run["args"]["burst"] == 3
    assert run["args"]["error"] == 'OperationalError: no "books", sorry'
    assert run["args"]["verdict"] == "raised OperationalError"
    assert {"rows", "queries"} <= set(run["args"])


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
        pattern="sleep-block", started=T0 + 1.0, wall=0.1, query_threads=()
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


def test_trace_stall_caught_while_going_on_takes_its_busy_periods_length() -> None:
    ongoing = Stall(T0 + 2.0, None, None, "lib.py:1 in spin", ("lib.py:1 in spin",))
    trace = chrome_trace(make_session(stalls=(ongoing,)))

    (stall,) = events(trace, "X", "stall: froze 300 ms at lib.py:1 in spin")
    assert stall["dur"] == pytest.approx(0.3e6, abs=1)


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


# CSV


def test_csv_has_a_header_and_a_row_per_run_in_milliseconds() -> None:
    rows = list(csv.DictReader(io.StringIO(session_csv(make_session()))))

    assert len(rows) == 3
    assert list(rows[0]) == list(CSV_COLUMNS)
    first = rows[0]
    assert first["number"] == "1"
    assert float(first["wall_ms"]) == pytest.approx(250)
    assert float(first["loop_max_lag_ms"]) == pytest.approx(4)
    # The first heartbeat tick (T0) came before the first run (T0 + 1.5).
    assert float(first["started_s"]) == pytest.approx(1.5)
    assert first["query_threads"] == WORKER
    assert first["ping_p99_ms"] == ""  # no pings during the run: not zero


def test_csv_survives_commas_quotes_and_several_threads() -> None:
    starved = make_result(causes=make_causes(starved=0.3, queued=0.2))
    failed = make_result(error='HTTP 500, body "oops"', query_threads=("a", "b"))
    text = session_csv(Session(results=(starved, failed)))

    header, *rows = list(csv.reader(io.StringIO(text)))
    verdict, error = header.index("verdict"), header.index("error")
    assert ";" in starved.verdict and "," in failed.verdict
    assert rows[0][verdict] == starved.verdict
    assert rows[1][error] == 'HTTP 500, body "oops"'
    assert rows[1][verdict] == failed.verdict
    assert rows[1][header.index("query_threads")] == "a;b"


# JSON


def test_json_has_report_datas_keys_and_serialises() -> None:
    session = make_session()
    data = session_json(session)

    assert set(data) == {
        "meta",
        "results",
        "heartbeat",
        "busy_periods",
        "pings",
        "stalls",
    }
    assert data["heartbeat"] == [[T0, 0.001], [T0 + 2.3, 0.3]]
    assert data["pings"][1] == [T0 + 2.05, 0.26]
    assert data["busy_periods"][2] == [T0 + 2.0, 0.3]
    assert data["stalls"][0]["stack"] == STACK
    assert data["results"][1]["verdict"] == "raised OperationalError"
    assert data["meta"]["latency_ms"] == 2.0
    assert json.loads(json.dumps(data))["results"][0]["pattern"] == "async-for"


# Writing files


class InterruptedStream:
    """Writes half of what it is given, then is interrupted (Ctrl+C)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stream.close()

    def write(self, text: str) -> None:
        self.stream.write(text[: len(text) // 2])
        self.stream.flush()
        raise KeyboardInterrupt


def test_write_atomically_writes_the_text_exactly(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("old")

    write_atomically(path, "a,b\r\né,2\r\n")

    assert path.read_bytes() == "a,b\r\né,2\r\n".encode()
    assert os.listdir(tmp_path) == ["out.csv"]


def test_interrupted_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "session.json"
    path.write_text("previous export")
    real_fdopen = os.fdopen
    monkeypatch.setattr(
        files.os, "fdopen", lambda *a, **k: InterruptedStream(real_fdopen(*a, **k))
    )

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, "x" * 10_000)

    assert path.read_text() == "previous export"
    assert os.listdir(tmp_path) == ["session.json"]


def test_interrupted_rename_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupt)

    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "new.csv", "text")

    assert os.listdir(tmp_path) == []


def test_export_session_writes_three_files(tmp_path: Path) -> None:
    paths = export_session(make_session(), tmp_path, "run1")

    assert [p.name for p in paths] == ["run1.json", "run1.csv", "run1.trace.json"]
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in paths)
    assert set(json.loads(paths[0].read_text())) >= {"meta", "results"}
    assert paths[1].read_text().startswith("number,label,pattern,")
    assert "traceEvents" in json.loads(paths[2].read_text())


def test_export_session_into_a_missing_directory_is_an_export_error(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nowhere"

    with pytest.raises(ExportError, match=str(missing)):
        export_session(make_session(), missing, "run")

    file = tmp_path / "a-file"
    file.write_text("")
    with pytest.raises(ExportError, match=str(file)):
        export_session(make_session(), file, "run")


def test_export_session_into_an_unwritable_directory_is_an_export_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Refused the way a read-only directory refuses (chmod means nothing to root).
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)

    with pytest.raises(ExportError, match="Permission denied") as caught:
        export_session(make_session(), tmp_path, "run")
    assert str(tmp_path) in str(caught.value)


def test_export_interrupted_while_rendering_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(session: Session) -> dict:
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "chrome_trace", interrupt)

    with pytest.raises(KeyboardInterrupt):
        export_session(make_session(), tmp_path, "run")
    assert os.listdir(tmp_path) == []


# Capturing a live session


async def test_capture_copies_a_live_monitor() -> None:
    class FakeProbe:
        def samples(self) -> list[PingSample]:
            return [PingSample(1.0, 0.5)]

    stalled = asyncio.get_running_loop().create_future()
    async with LoopMonitor(interval=0.005, stall_threshold=0.02) as monitor:
        monitor.subscribe(
            lambda item: (
                isinstance(item, Stall)
                and not stalled.done()
                and stalled.set_result(item)
            )
        )
        await asyncio.sleep(0.05)
        time.sleep(0.06)  # block the loop: a stall for the monitor to catch
        await asyncio.wait_for(stalled, 5.0)
        results = [make_result()]
        session = Session.capture(results, monitor, FakeProbe(), {"python": "3"})
        without_probe = Session.capture(results, monitor, None, {})

        assert session.results == tuple(results)
        assert session.samples and all(isinstance(s, Sample) for s in session.samples)
        assert any(b.duration >= 0.03 for b in session.busy_periods)
        assert session.pings == (PingSample(1.0, 0.5),)
        assert without_probe.pings == ()
        assert session.meta["python"] == "3"
        assert session.meta["interval_s"] == 0.005
        assert session.meta["heartbeat_window_s"] == monitor.window
        assert session.meta["monitor_mode"] == monitor.mode
        # A copy: the monitor's own (mutable) stall may change, the snapshot not.
        assert session.stalls == tuple(monitor.stalls)
        assert session.stalls[0] is not monitor.stalls[0]
        await asyncio.sleep(0.03)
    assert len(monitor.samples(since=-math.inf)) > len(session.samples)


def test_export_imports_only_the_standard_library_and_the_project() -> None:
    tree = ast.parse(Path(export.__file__).read_text())
    modules = {
        alias.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import)
        for alias in n.names
    }
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    top = {m.split(".")[0] for m in modules}

    assert top - set(sys.stdlib_module_names) == {"tui"}


def test_exports_in_the_same_second_get_names_of_their_own(tmp_path: Path) -> None:
    first = export_session(make_session(), tmp_path, "loopbeat-now")
    second = export_session(make_session(), tmp_path, "loopbeat-now")
    third = export_session(make_session(), tmp_path, "loopbeat-now")
    assert [p.name for p in second] == [
        "loopbeat-now-2.json",
        "loopbeat-now-2.csv",
        "loopbeat-now-2.trace.json",
    ]
    assert len({p.name for p in (*first, *second, *third)}) == 9


def test_a_set_that_cannot_be_finished_is_not_left_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The disk fills while the trace is written, after the JSON and the CSV.
    real = files._write_temporary
    written = []

    def full_disk(path: Path, text: str) -> str:
        if path.name.endswith(".trace.json"):
            raise OSError(28, "No space left on device", str(path))
        written.append(path)
        return real(path, text)

    monkeypatch.setattr(files, "_write_temporary", full_disk)
    with pytest.raises(ExportError, match="No space left on device") as caught:
        export_session(make_session(), tmp_path, "run")
    assert "nothing was exported" in str(caught.value)
    assert len(written) == 2
    assert os.listdir(tmp_path) == []  # neither the files nor their temporaries
