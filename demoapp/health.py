"""Inspect a database file: can the demo app use it, and if not, what to do?

Only a regular file is ever opened, so a FIFO or a device given as the database
cannot hang or disturb the check. The check changes a file only the way SQLite
itself would on the app's first query: by rolling back a write a crashed
process left half done (a "hot journal").
"""

import os
import shlex
import sqlite3
import stat
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from demoapp.dbfile import kind_of, reason, stat_or_none
from demoapp.dbpath import ENV_VAR
from demoapp.dburl import URL_ENV_VAR

NAMED_BY_ENVIRONMENT = (ENV_VAR, URL_ENV_VAR)

SQLITE_HEADER = b"SQLite format 3\x00"
TABLES = ("author", "book", "review")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
BUSY_TIMEOUT = 5.0
"""Seconds to wait for another connection's lock before calling the file busy."""
BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@dataclass(frozen=True)
class DatabaseStatus:
    """The verdict on one database file.

    ``problem`` is None when the file is ready; otherwise it is a sentence
    saying what is wrong, and ``fix`` says what to do. ``exists`` is also true
    for a path that could not be reached: callers then report it instead of
    trying to create a database there.
    """

    path: Path | str
    """The file, or a PostgreSQL URL with its password masked."""
    exists: bool
    problem: str | None = None
    fix: str | None = None
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return self.exists and self.problem is None


def is_sqlite_file(path: Path) -> bool:
    """True if ``path`` is a regular file starting with SQLite's header.

    An empty file counts too. The file is opened without blocking and checked
    to be regular once open, so a FIFO swapped in after the caller's stat
    cannot hang the caller.

    Raises:
        OSError: the file cannot be opened or read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    with open(os.open(path, flags), "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return False
        header = handle.read(len(SQLITE_HEADER))
    return header in (b"", SQLITE_HEADER)


def committed_migrations() -> set[str]:
    """Names of the migrations shipped with the code."""
    return {p.stem for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py")}


def another_file(source: str, *, after_or: bool = False) -> str:
    """How to name another database, for a path that came from ``source``.

    A path from ``$LOOPBEAT_DB`` is fixed there (or overridden by ``--db``):
    "--db FILE" alone would leave the user looking for a --db they never gave.
    ``after_or`` words it to follow "..., or ".
    """
    if source in NAMED_BY_ENVIRONMENT:
        return f"set {source} to another database file, or pass --db FILE"
    return "use another --db" if after_or else "--db FILE"


def inspect_database(
    path: Path, count_rows: bool = True, source: str = "--db"
) -> DatabaseStatus:
    """Report whether the demo app can use ``path``, and what to do if not.

    Counting rows scans the tables (tens of milliseconds on the default data
    set), so start-up skips it with ``count_rows=False``. ``--force`` is only
    ever advised for a regular file that SQLite cannot use as the demo
    database; never for something it must not replace or cannot reach.

    Args:
        path: The database file.
        count_rows: Fill ``rows`` with the row count of each demo table.
        source: Where the path came from (``demoapp.dbpath.db_path_source``),
            so advice to use another file names that setting.

    Returns:
        The verdict, with the reason and the remedy when it is not ready.
    """
    # Quoted: advice is copied into a shell, and paths have spaces.
    quoted = shlex.quote(str(path))
    reseed = f"python seed.py --force --db {quoted}"
    other = another_file(source)
    or_other = another_file(source, after_or=True)
    came = f" ({source} names it)" if source in NAMED_BY_ENVIRONMENT else ""
    try:
        info = stat_or_none(path)
    except OSError as error:
        fix = (
            "allow search (x) on every directory leading to it, or "
            if isinstance(error, PermissionError)
            else "correct the path, or "
        ) + or_other
        return DatabaseStatus(
            path, True, f"cannot reach {path}: {reason(error)}{came}", fix
        )
    if info is None:
        return DatabaseStatus(
            path,
            False,
            f"the database does not exist{came}",
            f"python seed.py --db {quoted}",
        )
    if stat.S_ISDIR(info.st_mode):
        return DatabaseStatus(
            path, True, f"the path is a directory, not a file{came}", other
        )
    if not stat.S_ISREG(info.st_mode):
        kind = kind_of(info.st_mode)
        return DatabaseStatus(
            path, True, f"the path is {kind}, not a regular file{came}", other
        )
    try:
        if not is_sqlite_file(path):
            return DatabaseStatus(
                path, True, f"the file is not a SQLite database{came}", other
            )
    except OSError as error:
        return DatabaseStatus(
            path,
            True,
            f"cannot read {path}: {reason(error)}{came}",
            f"make the file readable, or {or_other}",
        )
    if info.st_size == 0:
        return DatabaseStatus(path, True, "the database is empty", reseed)
    return _inspect_sqlite(path, reseed, count_rows)


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    uri = f"{path.absolute().as_uri()}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)


def _busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in BUSY_CODES


def _busy_status(path: Path, error: sqlite3.Error) -> DatabaseStatus:
    return DatabaseStatus(
        path,
        True,
        f"the database is locked by another process ({error})",
        "wait for that process to finish, then try again",
    )


def _writable(path: Path) -> bool:
    path = path.absolute()
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _inspect_sqlite(path: Path, reseed: str, count_rows: bool) -> DatabaseStatus:
    """Inspect read-only; if that fails, tell recoverable from broken."""
    try:
        with closing(_connect(path, "ro")) as db:
            return _inspect_tables(db, path, reseed, count_rows)
    except sqlite3.Error as error:
        read_only_error = error
    if _busy(read_only_error):
        return _busy_status(path, read_only_error)
    # A read-only connection cannot roll back a hot journal (nor create a WAL
    # database's -shm file), so failing here does not mean the file is broken.
    if not _writable(path):
        return DatabaseStatus(
            path,
            True,
            "the database needs recovery, which SQLite cannot do while the file"
            f" or its directory is read-only ({read_only_error})",
            f"copy {shlex.quote(str(path))} and any {path.name}-journal or -wal"
            " file beside it to a writable directory, then use --db with the copy",
        )
    try:
        with closing(_connect(path, "rw")) as db:
            # The first read rolls back a hot journal; quick_check then reads
            # every page, so a pass means the file is sound, not just openable.
            verdict = [row[0] for row in db.execute("PRAGMA quick_check")]
            if verdict != ["ok"]:
                return DatabaseStatus(
                    path, True, f"the database is damaged ({verdict[0]})", reseed
                )
            return _inspect_tables(db, path, reseed, count_rows)
    except sqlite3.Error as error:
        if _busy(error):
            return _busy_status(path, error)
        return DatabaseStatus(
            path, True, f"the database cannot be read ({error})", reseed
        )


def _inspect_tables(
    db: sqlite3.Connection, path: Path, reseed: str, count_rows: bool
) -> DatabaseStatus:
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
