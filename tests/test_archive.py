"""The session archive: every tick, ping and stall on disk, whole in exports."""

import asyncio
import errno
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from time import perf_counter

import pytest

from tui.engine.bench import Bench
from tui.instrument import archive as archive_module
from tui.instrument.archive import ArchiveUnavailable, SessionArchive
from tui.instrument.loopstats import CauseSplit, Sample, Stall
from tui.lessons.demo import demo_target


def test_ticks_pings_and_stalls_read_back_as_they_went_in(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(archive_module, "BUFFER", 7)  # several flushes
    archive = SessionArchive(tmp_path)
    ticks = [Sample(t * 0.005, t / 1000) for t in range(50)]
    pings = [(t * 0.05, 0.001 * t) for t in range(20)]
    stalls = [
        Stall(1.0, 0.2, "demoapp/views.py:42 in books_sync", "x.py:1 in f", ("a", "b")),
        Stall(
            2.0,
            0.3,
            None,
            "y.py:2 in g",
            (),
            late=True,
            owner="demo",
            split=CauseSplit(0.1, 0.15, 0.05),
            culprit="Thread-1 at z.py:3",
        ),
    ]
    for tick in ticks:
        archive.add_tick(tick)
    for due, latency in pings:
        archive.add_ping(due, latency)
    for stall in stalls:
        archive.add_stall(stall)

    assert archive.ticks() == ticks
    assert archive.pings() == pings
    assert archive.stalls() == stalls
    assert archive.counts == {"ticks": 50, "pings": 20, "stalls": 2}
    archive.add_tick(Sample(9.0, 0.0))  # reading does not end the archive
    assert archive.ticks()[-1] == Sample(9.0, 0.0)
    archive.close()
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_a_cut_reads_up_to_its_moment_from_another_thread(tmp_path: Path) -> None:
    archive = SessionArchive(tmp_path)
    for t in range(10):
        archive.add_tick(Sample(float(t), 0.0))
    cut = archive.cut()
    for t in range(10, 20):  # the archive keeps growing after the cut
        archive.add_tick(Sample(float(t), 0.0))
    with ThreadPoolExecutor(1) as pool:
        ticks = pool.submit(cut.ticks).result()
    assert [tick.t for tick in ticks] == [float(t) for t in range(10)]
    assert len(archive.ticks()) == 20
    archive.close()
    with pytest.raises(OSError):
        cut.ticks()


async def test_an_export_keeps_ticks_older_than_the_monitors_window(demo_db) -> None:
    bench = Bench(demo_target(demo_db), window=0.2)
    async with bench:
        started = perf_counter()
        await asyncio.sleep(1.0)
        assert bench.monitor is not None
        in_memory = bench.monitor.samples(since=-math.inf)
        session = await bench.snapshot_off_loop()
        assert bench.snapshot().samples[: len(session.samples)] == session.samples
    # The monitor forgot the first ticks; the export did not.
    assert in_memory[0].t > started + 0.3
    assert session.samples[0].t < started + 0.1
    assert len(session.samples) > 2 * len(in_memory)
    assert session.meta["whole_session"] is True
    assert len(session.pings) >= 1
    assert bench.record.archive is None  # removed with the session


class FullDisk:
    """A temporary file on a disk that has just filled up."""

    def __init__(self, real) -> None:
        self.real = real
        self.writes = 0

    def write(self, data: bytes) -> int:
        self.writes += 1
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        pass

    def tell(self) -> int:
        return self.real.tell()

    def fileno(self) -> int:
        return self.real.fileno()

    def close(self) -> None:
        self.real.close()


def test_a_full_disk_ends_the_archive_once_and_keeps_no_backlog(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(archive_module, "BUFFER", 4)
    failures: list[OSError] = []
    archive = SessionArchive(tmp_path, on_failure=failures.append)
    full = archive._files["ticks"] = FullDisk(archive._files["ticks"])
    for t in range(400):  # 100 flushes' worth
        archive.add_tick(Sample(float(t), 0.0))
        archive.add_ping(float(t), 0.001)
    assert [f.errno for f in failures] == [errno.ENOSPC]
    assert full.writes == 1, "retried a write the full disk refused"
    assert all(not pending for pending in archive._pending.values())
    assert archive.cut() is None and archive.ticks() == []
    archive.close()
    assert list(tmp_path.iterdir()) == []


def test_no_usable_temporary_folder_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ArchiveUnavailable) as info:
        SessionArchive(tmp_path / "gone")
    text = str(info.value)
    assert text.startswith("no usable temporary folder") and "TMPDIR" in text
    assert str(tmp_path / "gone") in text
