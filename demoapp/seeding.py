"""Fast, deterministic, atomic seeding of the demo database.

Faker is slow per call (tens of microseconds a field), so it is asked only for
small pools of values, once; a seeded ``random.Random`` then combines the pools
column by column. The same seed and sizes give byte-identical table contents.

The database is built in a temporary file beside the target and renamed over
it only when complete, so an interrupted or failed run leaves any previous
database exactly as it was.
"""

import os
import random
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from faker import Faker

from demoapp.dbfile import (
    commit,
    remove_stale_temporaries,
    stat_or_none,
    temporary_path,
)
from demoapp.interrupts import SignalGuard
from demoapp.seedtarget import SeedError, check_target, lock_target

BATCH = 10_000
LIMITS = {"authors": 1_000_000, "books": 5_000_000, "reviews": 20_000_000}

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``(table, rows_done, rows_total)`` after each batch."""


@dataclass(frozen=True)
class SeedSizes:
    """How many rows of each table to create, and the random seed."""

    authors: int = 2_000
    books: int = 100_000
    reviews: int = 150_000
    seed: int = 42

    def validate(self) -> None:
        """Raise ``SeedError`` for negative, absurd or inconsistent sizes."""
        for table, limit in LIMITS.items():
            value = getattr(self, table)
            if not 0 <= value <= limit:
                raise SeedError(
                    f"--{table} must be between 0 and {limit:,}, not {value}"
                )
        if self.authors < 1:
            raise SeedError("--authors must be at least 1")
        if self.reviews and not self.books:
            raise SeedError("--reviews needs at least one book to review")


@dataclass(frozen=True)
class SeedSummary:
    """What a finished seeding produced."""

    where: str
    """The file, or the PostgreSQL database (password masked)."""
    rows: dict[str, int]
    seconds: float
    size_bytes: int

    def line(self) -> str:
        """A one-line human summary."""
        counts = ", ".join(f"{n:,} {table}" for table, n in self.rows.items())
        megabytes = self.size_bytes / 1_000_000
        return (
            f"Seeded {self.where}: {counts} in {self.seconds:.1f} s"
            f" ({megabytes:.1f} MB)"
        )

    @property
    def rows_per_second(self) -> float:
        """How fast the rows went in, all tables together."""
        return sum(self.rows.values()) / self.seconds if self.seconds else 0.0


# --- data --------------------------------------------------------------------


@dataclass(frozen=True)
class Pools:
    """Faker values generated once, to be combined by a seeded RNG."""

    first_names: Sequence[str]
    last_names: Sequence[str]
    countries: Sequence[str]
    titles: Sequence[str]
    bodies: Sequence[str]

    @classmethod
    def generate(cls, seed: int) -> "Pools":
        """Make the pools; deterministic for a given seed and Faker version."""
        fake = Faker("en_US")
        fake.seed_instance(seed)
        return cls(
            first_names=[fake.first_name() for _ in range(400)],
            last_names=[fake.last_name() for _ in range(400)],
            countries=[fake.country() for _ in range(80)],
            titles=[fake.catch_phrase() for _ in range(3_000)],
            bodies=[fake.paragraph(nb_sentences=3) for _ in range(500)],
        )


def _names(rng: random.Random, pools: Pools, n: int) -> list[str]:
    firsts = rng.choices(pools.first_names, k=n)
    lasts = rng.choices(pools.last_names, k=n)
    return [f"{first} {last}" for first, last in zip(firsts, lasts, strict=True)]


def _ints(rng: random.Random, low: int, high: int, n: int) -> list[int]:
    return rng.choices(range(low, high + 1), k=n)


def author_rows(rng: random.Random, pools: Pools, n: int) -> Iterator[tuple]:
    """Rows for ``demoapp_author``: (id, name, country, born)."""
    columns = (
        _names(rng, pools, n),
        rng.choices(pools.countries, k=n),
        _ints(rng, 1900, 2000, n),
    )
    return ((i, *row) for i, row in enumerate(zip(*columns, strict=True), start=1))


def book_rows(
    rng: random.Random, pools: Pools, n: int, authors: int, genres: Sequence[str]
) -> Iterator[tuple]:
    """Rows for ``demoapp_book``:
    (id, author_id, title, isbn, genre, published, pages, price_cents)."""
    columns = (
        _ints(rng, 1, authors, n),
        rng.choices(pools.titles, k=n),
        [f"978{rng.randrange(10**10):010d}" for _ in range(n)],
        rng.choices(genres, k=n),
        _ints(rng, 1950, 2025, n),
        _ints(rng, 40, 1200, n),
        _ints(rng, 299, 4999, n),
    )
    return ((i, *row) for i, row in enumerate(zip(*columns, strict=True), start=1))


def review_rows(
    rng: random.Random, pools: Pools, n: int, books: int
) -> Iterator[tuple]:
    """Rows for ``demoapp_review``: (id, book_id, reviewer, rating, body)."""
    columns = (
        _ints(rng, 1, books, n) if books else [],
        _names(rng, pools, n),
        _ints(rng, 1, 5, n),
        rng.choices(pools.bodies, k=n),
    )
    return ((i, *row) for i, row in enumerate(zip(*columns, strict=True), start=1))


# --- building ----------------------------------------------------------------


def _create_schema(path: Path) -> None:
    """Apply the committed migrations to a fresh file, as ``migrate`` would.

    The file gets a connection alias of its own for the duration, so Django's
    migration recorder (which looks connections up by alias) writes there too.
    """
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    alias = "loopbeat_seeding"
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    configured = connections.configure_settings({"default": database, alias: database})
    connections.settings[alias] = configured[alias]
    try:
        executor = MigrationExecutor(connections[alias])
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


COLUMNS = {
    "author": ("id", "name", "country", "born"),
    "book": (
        "id",
        "author_id",
        "title",
        "isbn",
        "genre",
        "published",
        "pages",
        "price_cents",
    ),
    "review": ("id", "book_id", "reviewer", "rating", "body"),
}


def insert_sql(table: str) -> str:
    """The parameterised INSERT for one demo table, columns named explicitly."""
    columns = COLUMNS[table]
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO demoapp_{table} ({', '.join(columns)}) VALUES ({marks})"


def _insert(
    db: sqlite3.Connection,
    table: str,
    rows: Iterator[tuple],
    total: int,
    progress: ProgressCallback,
) -> None:
    sql = insert_sql(table)
    done = 0
    progress(table, 0, total)
    while done < total:
        batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
        db.executemany(sql, batch)
        done += len(batch)
        progress(table, done, total)


def table_rows(sizes: SeedSizes) -> Iterator[tuple[str, Iterator[tuple], int]]:
    """Each demo table in order: (its name, its rows, how many).

    Every backend's seeder takes its rows from here, so the same seed gives
    the same rows on SQLite and on PostgreSQL. Take the tables in order: each
    table's columns are drawn when it comes up.
    """
    from demoapp.models import GENRES

    rng = random.Random(sizes.seed)
    pools = Pools.generate(sizes.seed)
    yield "author", author_rows(rng, pools, sizes.authors), sizes.authors
    books = book_rows(rng, pools, sizes.books, sizes.authors, GENRES)
    yield "book", books, sizes.books
    yield "review", review_rows(rng, pools, sizes.reviews, sizes.books), sizes.reviews


def _fill(path: Path, sizes: SeedSizes, progress: ProgressCallback) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        # Safe to skip journaling: a crash only ever loses the temporary file.
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("BEGIN")
        for table, rows, total in table_rows(sizes):
            _insert(db, table, rows, total, progress)
        db.execute("COMMIT")
    finally:
        db.close()


def build_database(
    target: Path,
    sizes: SeedSizes,
    *,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> SeedSummary:
    """Create the demo database at ``target`` atomically.

    Django must be set up (the schema comes from the committed migrations).
    A symbolic link is followed and kept (see ``check_target``); a replaced
    file keeps its permission bits. A lock (``.NAME.lock`` beside the file)
    keeps a second seeder of the same file out, and without ``force`` the
    result is never moved over a database that appeared during the build.
    Temporary files left by seeders that died are removed first.

    Args:
        target: The database path.
        sizes: How many rows to make, and the random seed.
        force: Replace an existing database.
        progress: Called after each batch of rows.

    Returns:
        What was built.

    Raises:
        SeedError: bad sizes, or a target that must not or cannot be written.
        SeedInterrupted: SIGTERM or SIGHUP arrived (main thread only); any
            previous database is left as it was.
    """
    sizes.validate()
    target = Path(target).absolute()
    real = check_target(target, force)  # refuse before anything is created
    started = time.perf_counter()
    with ExitStack() as stack:
        guard = stack.enter_context(SignalGuard())
        stack.enter_context(lock_target(real))
        # Checked again under the lock: a seeder that held it may have finished.
        real = check_target(target, force)
        existing = stat_or_none(real)
        remove_stale_temporaries(real)
        _build(
            real,
            sizes,
            progress or (lambda *_: None),
            guard,
            replace=force or existing is not None,  # existing: empty, or forced
            mode=None if existing is None else stat.S_IMODE(existing.st_mode),
        )
    return SeedSummary(
        where=str(target),
        rows={"authors": sizes.authors, "books": sizes.books, "reviews": sizes.reviews},
        seconds=time.perf_counter() - started,
        size_bytes=real.stat().st_size,
    )


def _build(
    real: Path,
    sizes: SeedSizes,
    progress: ProgressCallback,
    guard: SignalGuard,
    *,
    replace: bool,
    mode: int | None,
) -> None:
    from django.db import Error as DjangoDatabaseError

    temporary = temporary_path(real)
    try:
        temporary.unlink(missing_ok=True)
        _create_schema(temporary)
        _fill(temporary, sizes, progress)
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)  # --force must not widen a private file
        guard.defer()  # complete: a signal now waits until it is in place
        commit(temporary, real, replace=replace)
    except FileExistsError:
        raise SeedError(
            f"{real} already exists (another seeder finished first);"
            " pass --force to replace it"
        ) from None
    except (sqlite3.Error, OSError, DjangoDatabaseError) as error:
        raise SeedError(f"could not build {real}: {error}") from None
    finally:
        guard.defer()  # a second signal must not cut the cleanup short
        temporary.unlink(missing_ok=True)
