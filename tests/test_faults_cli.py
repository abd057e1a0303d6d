"""Faults and bad input on the command line: a sentence, never a traceback."""

import asyncio
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from demoapp.health import inspect_database
from tui.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent

INTERRUPT_AT = '''
import importlib.abc, os, signal, sys

class Interrupt(importlib.abc.MetaPathFinder):
    """Ctrl+C the moment a chosen module is first imported: no timing luck."""

    def find_spec(self, name, path, target=None):
        if name == os.environ["INTERRUPT_AT"]:
            sys.meta_path.remove(self)
            signal.raise_signal(signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
'''


@pytest.mark.parametrize(
    "module",
    [
        "demoapp.seed_cli",  # seed.py's own first import
        "rich.progress",  # imported by the command line's module
        "demoapp.seeding",
        "django.db.models",  # Django's set-up, inside main()
    ],
)
def test_ctrl_c_while_seed_py_starts_is_a_sentence(tmp_path: Path, module: str) -> None:
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(INTERRUPT_AT)
    target = tmp_path / "db.sqlite3"
    result = subprocess.run(
        [sys.executable, str(ROOT / "seed.py"), "--db", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "PYTHONPATH": f"{tmp_path / 'hook'}{os.pathsep}{ROOT}",
            "INTERRUPT_AT": module,
        },
    )
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("seed.py: interrupted")
    assert not target.exists()


def test_seed_py_with_a_relative_db_from_a_deleted_directory(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, runpy, sys; os.rmdir(os.getcwd()); "
            "sys.argv = ['seed.py', '--db', 'rel.sqlite3']; "
            f"runpy.run_path({str(ROOT / 'seed.py')!r}, run_name='__main__')",
        ],
        cwd=gone,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        "seed.py: error: the current directory is gone;"
        " give --database an absolute path"
    )


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_advice_quotes_the_path_for_a_shell(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "my talks; rm -rf ~"
    folder.mkdir()
    path = folder / "demo 'db'.sqlite3"
    if kind == "empty":
        path.touch()
    status = inspect_database(path)
    assert status.fix is not None and status.fix.startswith("python seed.py")
    assert shlex.split(status.fix)[-1] == str(path)


def test_a_directory_from_loopbeat_db_is_blamed_on_loopbeat_db(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    # This process's Django was pointed at the session's database through
    # LOOPBEAT_DATABASE_URL, which would win over LOOPBEAT_DB.
    monkeypatch.delenv("LOOPBEAT_DATABASE_URL")
    monkeypatch.setenv("LOOPBEAT_DB", str(tmp_path))
    assert cli_main(["--headless"]) == 2
    err = capsys.readouterr().err
    assert "LOOPBEAT_DB names it" in err
    assert "Fix: set LOOPBEAT_DB to another database file, or pass --db FILE" in err
    assert cli_main(["--check"]) == 1
    assert "fix: set LOOPBEAT_DB" in capsys.readouterr().out
    # Given with --db, the advice is about --db.
    assert cli_main(["--db", str(tmp_path), "--check"]) == 1
    out = capsys.readouterr().out
    assert "LOOPBEAT_DB" not in out and "fix: --db FILE" in out


def headless(db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "--db", str(db), "--headless", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_piped_headless_says_each_run_on_stderr(demo_db: Path) -> None:
    process = headless(demo_db, "--patterns", "sleep-await,sleep-block")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    lines = err.splitlines()
    assert "loopbeat: run 1 of 2: sleep-await" in lines
    assert "loopbeat: run 2 of 2: sleep-block" in lines
    assert "loopbeat: run" not in out  # the table stays clean
    assert "━" not in err  # plain lines, not a bar


def test_ctrl_c_during_a_first_run_says_so_not_zero_runs(demo_db: Path) -> None:
    # The N+1 at 2 s a statement runs for minutes: Ctrl+C lands inside it.
    process = headless(demo_db, "--patterns", "n-plus-one", "--latency-ms", "2000")
    assert process.stderr is not None
    for line in process.stderr:  # progress, line by line: the run has begun
        if line.startswith("loopbeat: run 1 of 1: n-plus-one"):
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "loopbeat: interrupted during run 1 of 1 (n-plus-one)" in out
    assert "no run finished, so there is no table" in out
    assert "0 runs in" not in out and "Traceback" not in out + err


def test_ctrl_c_during_start_up_says_so(demo_db: Path, monkeypatch, capsys) -> None:
    from tui.engine.bench import Bench
    from tui.engine.runs import RunSpec
    from tui.lessons.demo import demo_target
    from tui.lessons.patterns import find
    from tui.output.report import run_headless

    async def interrupted(self) -> None:
        signal.raise_signal(signal.SIGINT)  # asyncio.run cancels the main task
        await asyncio.sleep(30)

    monkeypatch.setattr(Bench, "_start", interrupted)
    spec = RunSpec.parse("sleep-await", catalog=find)
    assert run_headless([spec], 1, 0.005, demo_target(demo_db), None) == 130
    out = capsys.readouterr().out
    assert "interrupted during start-up" in out and "nothing was measured" in out
