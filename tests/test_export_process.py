"""An export is built in a process of its own: the loop it measures stays free.

Rendering a long session (JSON and a Chrome trace) holds the GIL for long
stretches; in a thread of the app it starved the loop, and ``w`` drew a red
spike with no run to explain it. Here a long session is exported while the
monitor watches, and no stall may be charged to the export.
"""

import json
import math
import time
from pathlib import Path

import pytest

from tests.factories import make_result
from tui.engine.bench import Bench
from tui.engine.session import Session
from tui.instrument.loopstats import STARVED, WORKING, Sample
from tui.lessons.demo import demo_target
from tui.output.export import ExportError
from tui.output.export_process import ExportJob, export_in_process
from tui.output.session_files import export_files

TICKS = 300_000
"""About 25 minutes of heartbeat at 5 ms: a talk's worth of archive."""


async def test_exporting_a_long_session_does_not_stall_the_loop(
    demo_db: Path, tmp_path: Path
) -> None:
    async with Bench(demo_target(demo_db)) as bench:
        assert bench.record.archive is not None and bench.monitor is not None
        for i in range(TICKS):
            bench.record.archive.add_tick(Sample(i * 0.005, 0.0001))
            bench.record.archive.add_ping(i * 0.5, 0.002)
        bench.results.extend(make_result(number=n) for n in range(200))
        # Filling the archive held the loop: its stall is not the export's.
        started = time.perf_counter()
        paths = await export_files(bench, tmp_path)
        # Stalls are handed over once they have ended and been explained.
        await bench.monitor.stalls_settled(time.perf_counter())
        stalls = [s for s in bench.monitor.stalls if s.start >= started]
    data = json.loads(paths[0].read_text())
    assert len(data["heartbeat"]) >= TICKS
    assert len(data["results"]) == 200
    # Charged to the export: the loop worked at it, or waited for the GIL
    # while another thread of ours ran. A machine too busy to give the loop
    # a CPU (a hog beside the test) is not the export's doing.
    charged = [
        s for s in stalls if s.split is not None and s.split.main in (STARVED, WORKING)
    ]
    assert not [s for s in charged if (s.duration or 0) >= 0.05], charged


async def test_a_child_that_cannot_write_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    job = ExportJob(Session(results=(make_result(),)), None, missing, "x")
    with pytest.raises(ExportError, match="no directory"):
        await export_in_process(job)


async def test_the_child_writes_what_it_was_given(tmp_path: Path) -> None:
    session = Session(
        results=(make_result(),),
        samples=(Sample(1.0, 0.002),),
        meta={"stall_threshold_s": 0.05},
    )
    paths = await export_in_process(ExportJob(session, None, tmp_path, "s"))
    assert [p.name for p in paths] == ["s.json", "s.csv", "s.trace.json"]
    data = json.loads(paths[0].read_text())
    assert data["heartbeat"] == [[1.0, 0.002]]
    assert not math.isnan(data["results"][0]["wall"])
