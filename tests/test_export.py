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
from pathlib import Path

import pytest

from tests.factories import STACK, T0, WORKER, make_causes, make_result, make_session
from tui.engine.probe import PingSample
from tui.engine.session import Session
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import Sample, Stall
from tui.output import export, files
from tui.output.export import (
    CSV_COLUMNS,
    ExportError,
    export_session,
    session_csv,
    session_json,
)
from tui.output.files import write_atomically

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
        "events",
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
