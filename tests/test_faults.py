"""Faults and bad input in the live app: each ends in a sentence, never a crash."""

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from textual.widgets._toast import Toast

from tests.factories import make_result
from tests.test_app import run_and_wait, started
from tests.test_archive import FullDisk
from tui.cli import main as cli_main
from tui.engine.client import StallSummary
from tui.instrument import archive as archive_module
from tui.instrument.formatting import describe_stall
from tui.instrument.loopstats import STARVED, Stall
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.ui.app import LoopbeatApp
from tui.ui.widgets.tour_panel import TourPanel

ROOT = Path(__file__).resolve().parent.parent

STEP = '[[step]]\ncaption = "c"\npattern = "async-for"\n'
DEEP = "x = " + "[" * 5000 + "]" * 5000 + "\n" + STEP


async def test_a_deeply_nested_tour_swapped_in_mid_session_is_a_notice(
    demo_db: Path, tmp_path: Path
) -> None:
    tour = tmp_path / "talk.toml"
    tour.write_text(STEP)
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, tour_path=tour)
    async with started(app) as pilot:
        await pilot.press("o", "escape")
        tour.write_text(DEEP)  # edited while the app runs
        await pilot.press("o")  # resumes where it was left
        await pilot.press("home")  # reads the script again: step 1
        await pilot.pause()
        await pilot.press("home")
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
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, export_dir=tmp_path)
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
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
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
    lines = result.stderr.strip().splitlines()
    # After the progress line saying it was starting: one sentence.
    assert lines[-1].startswith("loopbeat: error: no usable temporary folder")
    assert lines[:-1] == ["loopbeat: starting Django and the instruments"]


CONTROLS = "\x1b[2J\x1b]0;pwned\x07\x9b2J\x00"
"""Clears the screen, retitles the terminal (with a C1 CSI too)."""
ANY_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def toml_string(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if ANY_CONTROL.match(c) else c for c in text)


async def test_control_characters_reach_no_notice_log_line_header_or_row(
    demo_db: Path, tmp_path: Path, monkeypatch
) -> None:
    tour = tmp_path / "talk.toml"
    tour.write_text(
        f'[[step]]\ncaption = "Watch {toml_string(CONTROLS)}"\n'
        f'pattern = "sleep-await"\nbanner = "{toml_string(CONTROLS)} {{wall}}"\n'
    )
    app = LoopbeatApp(
        demo_target(demo_db),
        catalog=PATTERNS,
        tour_path=tour,
        export_dir=tmp_path / f"gone{CONTROLS[:-1]}",
    )
    async with started(app) as pilot:
        # A run that raises with controls in its message: row, notice, log.
        async def explode(spec, on_start=None):
            if on_start is not None:
                on_start(999, spec)
            raise RuntimeError(f"boom {CONTROLS}")

        monkeypatch.setattr(app.bench, "run", explode)
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        monkeypatch.undo()
        # A view's error message, and a stall naming a thread, with controls.
        stall = Stall(
            1.0, 0.2, None, "x.py:1 in f", (), late=True, culprit=f"T{CONTROLS}"
        )
        result = make_result(
            number=998,
            error=f"OperationalError: no such table {CONTROLS}",
            stalls=(StallSummary("x", 0.2, STARVED, None, describe_stall(stall)),),
        )
        app.main.run_started(998, result.spec)
        app.main.run_finished(result)
        app.main.show_stall(stall)
        await pilot.pause()
        stall_line = str(app.main.stall_line.render())
        await pilot.press("w")  # the export folder's name, in the error notice
        await app.workers.wait_for_complete()
        await pilot.press("o", "space")  # the tour's caption, then its banner
        await app.workers.wait_for_complete()
        await pilot.pause()
        tour_text = str(app.query_one(TourPanel).render())
        assert "Watch \\x1b[2J" in tour_text  # shown, not obeyed
        texts = {
            "tour": tour_text,
            "stall line": stall_line,
            **{
                f"notice {n.title}": f"{n.title} {n.message}"
                for n in app._notifications
            },
            **{f"log {i}": line for i, line in enumerate(app.main.events.lines)},
            **{
                f"row {number} {column}": app.main.results_table.cell(number, column)
                for number in (998, 999)
                for column in ("pattern", "verdict")
            },
        }
        shown = [name for name, text in texts.items() if "\\x1b" in text]
        assert len(shown) >= 8, texts
        assert not [name for name, text in texts.items() if ANY_CONTROL.search(text)]
        # And nothing on the whole screen, toasts and header included.
        assert not ANY_CONTROL.search(app.export_screenshot())

    # The database's file name reaches the header (a file name has no NUL).
    named = LoopbeatApp(
        demo_target(tmp_path / f"demo{CONTROLS[:-1]}.sqlite3"),
        catalog=PATTERNS,
        live=False,
    )
    async with named.run_test() as pilot:
        await pilot.pause()
        assert "demo\\x1b[2J\\x1b]0;pwned\\x07" in named.sub_title
        assert not ANY_CONTROL.search(f"{named.title} {named.sub_title}")
        assert not ANY_CONTROL.search(named.export_screenshot())


async def test_a_vanished_database_says_no_such_table_in_the_row_and_the_log(
    demo_db: Path, tmp_path: Path
) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        aside = tmp_path / "aside.sqlite3"
        os.replace(demo_db, aside)
        try:
            result = await run_and_wait(pilot, "e")
        finally:
            os.replace(aside, demo_db)  # also removes the empty file Django made
        verdict = app.main.results_table.cell(result.number, "verdict")
        assert verdict.startswith("raised OperationalError: no such table: demoapp_")
        assert any(
            f"#{result.number} async-get-count: raised OperationalError: no such table"
            in line
            for line in app.main.events.lines
        )


async def test_fifty_refused_bursts_make_one_notice_that_counts(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    # Toasts drawn, as on a real screen (run_test leaves them out by default).
    async with app.run_test(size=(160, 45), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        release = asyncio.Event()
        real_run = app.bench.run

        async def held_run(spec, on_start=None):
            await release.wait()
            return await real_run(spec, on_start)

        app.bench.run = held_run
        await pilot.press(*["b"] * 50)
        await pilot.pause()
        refusals = [
            str(n.message) for n in app._notifications if "in flight" in n.message
        ]
        on_screen = [str(t.render()) for t in app.screen.query(Toast)]
        release.set()
        await app.workers.wait_for_complete()
    assert len(refusals) == 1, refusals
    # 47 refused; a loaded machine may let one notice lapse (2 s) between keys.
    count = int(re.search(r"refused (\d+) times", refusals[0]).group(1))
    assert 2 <= count <= 47
    assert sum("in flight" in text for text in on_screen) == 1, on_screen


@pytest.mark.parametrize("size", [(160, 45), (80, 24)])
async def test_big_run_numbers_and_row_counts_are_shown_whole(
    demo_db: Path, size: tuple[int, int]
) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, live=False)
    async with app.run_test(size=size) as pilot:
        table = app.main.results_table
        for number, rows in ((17, 20), (1700, 2_000_000), (123456, 2_000_000_000)):
            table.add_running(number, "async-for")
            table.finish(make_result(number=number, rows=rows, wall=1234.5))
        await pilot.pause()
        lines = [table.render_line(y).text for y in range(table.size.height)]
        shown = table.columns_shown()
    body = "\n".join(lines)
    assert "…" not in "".join(line.split("  ")[0] for line in lines)
    assert any(line.startswith("123456 ") for line in lines), body
    assert any(line.startswith("1700 ") for line in lines), body
    if "rows" in shown:
        assert "2,000,000,000" in body and "2,000,000 " in body
    if "wall" in shown:
        assert "1234.50 s" in body
