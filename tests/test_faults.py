"""Faults and bad input in the live app: each ends in a sentence, never a crash."""

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.test_app import started
from tests.test_archive import FullDisk
from tui import archive as archive_module
from tui.app import LoopbeatApp
from tui.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent

STEP = '[[step]]\ncaption = "c"\npattern = "async-for"\n'
DEEP = "x = " + "[" * 5000 + "]" * 5000 + "\n" + STEP


async def test_a_deeply_nested_tour_swapped_in_mid_session_is_a_notice(
    demo_db: Path, tmp_path: Path
) -> None:
    tour = tmp_path / "talk.toml"
    tour.write_text(STEP)
    app = LoopbeatApp(demo_db, tour_path=tour)
    async with started(app) as pilot:
        await pilot.press("o", "escape")
        tour.write_text(DEEP)  # edited while the app runs
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        said = [str(n.message) for n in app._notifications]
        assert sum("nested too deeply" in m for m in said) == 2, said


def test_a_deeply_nested_tour_at_start_is_one_sentence(
    demo_db: Path, tmp_path: Path, capsys
) -> None:
    tour = tmp_path / "talk.toml"
    tour.write_text(DEEP)
    with pytest.raises(SystemExit) as leaving:
        cli_main(["--db", str(demo_db), "--tour-file", str(tour), "--check"])
    assert leaving.value.code == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err and "Traceback" not in err


async def test_a_temporary_folder_that_fills_is_said_once_and_w_still_exports(
    demo_db: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(archive_module, "BUFFER", 8)  # a flush every 40 ms
    app = LoopbeatApp(demo_db, export_dir=tmp_path)
    async with started(app) as pilot:
        archive = app.bench.record.archive
        assert archive is not None
        for kind, file in list(archive._files.items()):
            archive._files[kind] = FullDisk(file)
        await asyncio.sleep(1.0)  # a few dozen flushes' worth of ticks
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert sum("is full" in m for m in said) == 1, said
        assert not any("failed" in line for line in app.main.events.lines)
        await pilot.press("w")
        await app.workers.wait_for_complete()
        await pilot.pause()
        said = [str(n.message) for n in app._notifications]
        assert any("wrote" in m and "the last 60 s only" in m for m in said), said
    (written,) = (p for p in tmp_path.glob("*.json") if ".trace" not in p.name)
    data = json.loads(written.read_text())
    assert data["meta"]["whole_session"] is False
    assert "is full" in data["meta"]["archive_lost"]
    assert len(data["heartbeat"]) > 100  # what memory held
    assert any("is full" in event["text"] for event in data["events"])


async def test_no_usable_temporary_folder_ends_the_live_app_with_a_sentence(
    demo_db: Path, monkeypatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", "/nonexistent/loopbeat-tmp")
    app = LoopbeatApp(demo_db)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 2
    assert app.failure is not None
    assert app.failure.startswith("no usable temporary folder")


def test_no_usable_temporary_folder_ends_headless_with_a_sentence(
    demo_db: Path,
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, tempfile; tempfile.tempdir = '/nonexistent/loopbeat-tmp'; "
            "sys.argv = ['tui', '--headless', '--patterns', 'sleep-await']; "
            "from tui.__main__ import main; sys.exit(main())",
        ],
        env={**os.environ, "LOOPBEAT_DB": str(demo_db), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("loopbeat: error: no usable temporary folder")
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
