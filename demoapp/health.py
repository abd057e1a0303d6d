"""Inspect a database file without changing it: is it usable by the demo app?"""

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"
TABLES = ("author", "book", "review")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class DatabaseStatus:
    """The verdict on one database file.

    ``problem`` is None when the file is ready; otherwise it is a sentence
    saying what is wrong, and ``fix`` says what to run.
    """

    path: Path
    exists: bool
    problem: str | None = None
    fix: str | None = None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.exists and self.problem is None


def is_sqlite_file(path: Path) -> bool:
    """True if ``path`` starts with SQLite's header (an empty file counts too)."""
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    return header in (b"", SQLITE_HEADER)


def committed_migrations() -> set[str]:
    """Names of the migrations shipped with the code."""
    return {p.stem for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py")}


def inspect_database(path: Path, count_rows: bool = True) -> DatabaseStatus:
    """Open ``path`` read-only and report whether the demo app can use it.

    Counting rows scans the tables (tens of milliseconds on the default data
    set), so start-up skips it with ``count_rows=False``.
    """
    reseed = f"python seed.py --force --db {path}"
    if not path.exists():
        return DatabaseStatus(
            path, False, "the database does not exist", f"python seed.py --db {path}"
        )
    if path.is_dir():
        return DatabaseStatus(
            path, True, "the path is a directory, not a file", "--db FILE"
        )
    try:
        if not is_sqlite_file(path):
            return DatabaseStatus(
                path, True, "the file is not a SQLite database", "--db FILE"
            )
        if path.stat().st_size == 0:
            return DatabaseStatus(path, True, "the database is empty", reseed)
        return _inspect_tables(path, reseed, count_rows)
    except (sqlite3.Error, OSError) as error:
        return DatabaseStatus(
            path, True, f"the database cannot be read ({error})", reseed
        )


def _inspect_tables(path: Path, reseed: str, count_rows: bool) -> DatabaseStatus:
    uri = f"{path.absolute().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        missing = [t for t in TABLES if f"demoapp_{t}" not in names]
        if missing or "django_migrations" not in names:
            return DatabaseStatus(path, True, "the demo tables are missing", reseed)
        applied = {
            row[0]
            for row in db.execute(
                "SELECT name FROM django_migrations WHERE app = ?", ("demoapp",)
            )
        }
        if not committed_migrations() <= applied:
            return DatabaseStatus(
                path, True, "the schema is older than this version of loopbeat", reseed
            )
        rows = {
            table: db.execute(f"SELECT COUNT(*) FROM demoapp_{table}").fetchone()[0]
            for table in (TABLES if count_rows else ())
        }
    return DatabaseStatus(path, True, rows=rows)
