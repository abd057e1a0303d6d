"""Faults and bad input in the live app: each ends in a sentence, never a crash."""

from pathlib import Path

import pytest

from tests.test_app import started
from tui.app import LoopbeatApp
from tui.cli import main as cli_main

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
