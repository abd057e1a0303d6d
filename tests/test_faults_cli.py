"""Faults and bad input on the command line: a sentence, never a traceback."""

import os
import shlex
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
        "seed.py: error: the current directory is gone; give --db an absolute path"
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
