"""A database SQLite can still open is never condemned, and never advised away.

A hot journal from a crashed writer, a junk journal, a WAL database in a
read-only place, a locked file: each is told apart from a broken one, and
``--force`` (which destroys) is advised only for a file that is broken.
The tests run as root on the CI machine, where permission bits stop
nothing: read-only places are simulated with monkeypatch.
"""

import os
import random
import socket
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from demoapp import health
from demoapp.health import inspect_database
from demoapp.seeding import build_database
from tests.test_hardening_db import deny_stat_under, run_python
from tests.test_seeding import ROOT, TINY, table_dump

# --- 4. recoverable is not broken ------------------------------------------------


def leave_hot_journal(path: Path) -> None:
    """Crash a writer mid-transaction, after its changes spilled into the file."""
    code = f"""
import os, sqlite3
db = sqlite3.connect({str(path)!r}, isolation_level=None)
db.execute("PRAGMA journal_mode = DELETE")
db.execute("PRAGMA cache_size = 1")
db.execute("BEGIN")
db.execute("UPDATE demoapp_review SET body = body || ' (edited)'")
os._exit(0)
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert Path(f"{path}-journal").stat().st_size > 0


def test_a_hot_journal_is_rolled_back_not_condemned(tmp_path: Path) -> None:
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    before = table_dump(target)
    leave_hot_journal(target)

    status = inspect_database(target)
    assert status.ready, (status.problem, status.fix)
    assert status.rows["review"] == TINY.reviews
    assert not Path(f"{target}-journal").exists()
    assert table_dump(target) == before


def test_a_junk_journal_is_not_condemned(tmp_path: Path) -> None:
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    junk = random.Random(5).randbytes(8192)
    Path(f"{target}-journal").write_bytes(b"\x17" + junk)

    status = inspect_database(target, count_rows=False)
    assert status.ready, (status.problem, status.fix)


def test_recovery_in_a_read_only_place_advises_a_copy_not_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file and directory are read-only (simulated through os.access)."""
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    leave_hot_journal(target)
    journal = Path(f"{target}-journal").read_bytes()
    real_access = os.access

    def read_only(path, mode, *args, **kwargs):
        if mode & os.W_OK and Path(path) in (target, tmp_path):
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", read_only)
    status = inspect_database(target)
    assert not status.ready
    assert "read-only" in status.problem
    assert "recover" in status.problem
    assert "--force" not in status.fix
    assert "copy" in status.fix
    assert Path(f"{target}-journal").read_bytes() == journal


def test_a_locked_database_is_busy_not_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    monkeypatch.setattr(health, "BUSY_TIMEOUT", 0.1)
    with closing(sqlite3.connect(target, isolation_level=None)) as locker:
        locker.execute("BEGIN EXCLUSIVE")
        status = inspect_database(target)
        locker.execute("ROLLBACK")
    assert not status.ready
    assert "locked" in status.problem
    assert "--force" not in status.fix


def test_a_damaged_database_still_advises_reseeding(tmp_path: Path) -> None:
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    with target.open("r+b") as handle:
        handle.seek(100)  # past the file header: page 1's schema b-tree
        handle.write(random.Random(2).randbytes(3000))
    status = inspect_database(target)
    assert not status.ready
    assert "seed.py --force" in status.fix


# --- 9. no --force advice for what --force cannot or must not fix ------------------


def test_no_force_advice_for_special_or_unreachable_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unreachable is simulated by a failing os.stat (root is never denied)."""
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "sock"))
    try:
        locked = tmp_path / "locked"
        locked.mkdir()
        deny_stat_under(monkeypatch, locked)
        paths = [Path("/dev/null"), tmp_path / "sock", tmp_path, locked / "db"]
        statuses = [inspect_database(path) for path in paths]
    finally:
        listener.close()
    for path, status in zip(paths, statuses, strict=True):
        assert not status.ready, path
        assert "--force" not in status.fix, (path, status.fix)


def test_check_never_advises_forcing_dev_null() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "--check", "--db", "/dev/null"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "not a regular file" in result.stdout
    assert "--force" not in result.stdout
