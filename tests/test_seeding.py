"""Seeding: deterministic, atomic, and careful with what it is given."""

import hashlib
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from demoapp.health import inspect_database
from demoapp.seeding import SeedError, SeedSizes, build_database

ROOT = Path(__file__).resolve().parent.parent
TINY = SeedSizes(authors=10, books=500, reviews=900, seed=3)


def table_dump(path: Path) -> list[str]:
    """Every row of the demo tables, in rowid order."""
    with closing(sqlite3.connect(path)) as db:
        return [
            repr(row)
            for table in ("author", "book", "review")
            for row in db.execute(f"SELECT * FROM demoapp_{table} ORDER BY rowid")
        ]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_seed(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "seed.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_same_seed_gives_identical_tables(tmp_path: Path) -> None:
    first, second = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    build_database(first, TINY)
    build_database(second, TINY)
    assert table_dump(first) == table_dump(second)
    assert len(table_dump(first)) == 10 + 500 + 900


def test_other_seed_gives_other_tables(tmp_path: Path) -> None:
    build_database(tmp_path / "a.sqlite3", TINY)
    other = SeedSizes(TINY.authors, TINY.books, TINY.reviews, seed=4)
    build_database(tmp_path / "b.sqlite3", other)
    assert table_dump(tmp_path / "a.sqlite3") != table_dump(tmp_path / "b.sqlite3")


def test_result_is_a_ready_database(tmp_path: Path) -> None:
    summary = build_database(tmp_path / "db.sqlite3", TINY)
    status = inspect_database(tmp_path / "db.sqlite3")
    assert status.ready, status.problem
    assert status.rows == {"author": 10, "book": 500, "review": 900}
    assert "500 books" in summary.line()


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_interrupted_seed_leaves_previous_database_untouched(
    tmp_path: Path, failure: type[BaseException]
) -> None:
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    before = digest(target)

    def fail_midway(table: str, done: int, total: int) -> None:
        if table == "book" and done:
            raise failure

    bigger = SeedSizes(authors=10, books=30_000, reviews=0, seed=9)
    with pytest.raises(failure):
        build_database(target, bigger, force=True, progress=fail_midway)
    assert digest(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["db.sqlite3"]


def test_existing_database_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    with pytest.raises(SeedError, match="--force"):
        build_database(target, TINY)
    build_database(target, SeedSizes(10, 20, 0, 1), force=True)
    assert inspect_database(target).rows["book"] == 20


def test_cli_seeds_and_summarises(tmp_path: Path) -> None:
    target = tmp_path / "cli.sqlite3"
    result = run_seed("--db", str(target), "--books", "300", "--reviews", "10")
    assert result.returncode == 0, result.stderr
    assert "300 books" in result.stdout
    assert inspect_database(target).rows["book"] == 300


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--books", "-5"], "--books must be between"),
        (["--reviews", "999999999999"], "--reviews must be between"),
        (["--authors", "0"], "--authors must be at least 1"),
        (["--books", "0", "--reviews", "5"], "needs at least one book"),
        (["--books", "many"], "invalid int value"),
    ],
)
def test_cli_rejects_bad_sizes(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_seed("--db", str(tmp_path / "x.sqlite3"), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.sqlite3").exists()


def test_cli_refuses_a_directory(tmp_path: Path) -> None:
    result = run_seed("--db", str(tmp_path), "--force")
    assert result.returncode == 2
    assert "is a directory" in result.stderr


def test_cli_never_overwrites_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("my talk notes\n")
    result = run_seed("--db", str(precious), "--force")
    assert result.returncode == 2
    assert "not a SQLite database" in result.stderr
    assert precious.read_text() == "my talk notes\n"


def test_cli_reports_an_unwritable_location(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_seed("--db", str(blocker / "sub" / "db.sqlite3"))
    assert result.returncode == 2
    assert result.stderr.startswith("seed.py: error: cannot create")
    assert "Traceback" not in result.stderr


def test_cli_existing_database_without_force(tmp_path: Path) -> None:
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    before = digest(target)
    result = run_seed("--db", str(target))
    assert result.returncode == 2
    assert "--force" in result.stderr
    assert digest(target) == before
