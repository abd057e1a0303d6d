"""Seeding speed: the project's pooled seeder against a naive Faker loop, and
SQLite against PostgreSQL.

Run: ``python benchmarks/seeding.py [--quick] [--no-postgres]``. Prints rows
per second for the naive loop and loopbeat's SQLite seeder, measured in the
same run on the same sizes, their ratio (target: at least 10x), then the
PostgreSQL seeder (``COPY`` into a schema of its own, migrated, swapped in) on
the same sizes, and the default data set on both backends (``--quick``: a
tenth of each size and no default data set, to prove it runs).

PostgreSQL: ``$LOOPBEAT_TEST_DATABASE_URL`` (a database for tests: its demo is
replaced), else a throwaway cluster started for the run (``tests/pgcluster.py``;
its binaries must be installed), else the PostgreSQL lines say why not.
"""

import argparse
import contextlib
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from faker import Faker

from demoapp.bootstrap import configure_django
from demoapp.seeding import SeedSizes, build_database, insert_sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pgcluster import Cluster, ClusterError

SAMPLE = SeedSizes(authors=500, books=10_000, reviews=15_000, seed=1)


def naive_seed(path: Path, sizes: SeedSizes) -> None:
    """One Faker call per field, rows inserted in the same batches of 10,000."""
    from demoapp.models import GENRES
    from demoapp.seeding import _create_schema

    fake = Faker("en_US")
    fake.seed_instance(sizes.seed)
    rng = random.Random(sizes.seed)
    _create_schema(path)
    tables: dict[str, list[tuple[object, ...]]] = {
        "author": [
            (i, fake.name(), fake.country(), fake.random_int(1900, 2000))
            for i in range(1, sizes.authors + 1)
        ],
        "book": [
            (
                i,
                rng.randint(1, sizes.authors),
                fake.catch_phrase(),
                fake.isbn13(),
                fake.random_element(GENRES),
                fake.random_int(1950, 2025),
                fake.random_int(40, 1200),
                fake.random_int(299, 4999),
            )
            for i in range(1, sizes.books + 1)
        ],
        "review": [
            (
                i,
                rng.randint(1, sizes.books),
                fake.name(),
                fake.random_int(1, 5),
                fake.paragraph(nb_sentences=3),
            )
            for i in range(1, sizes.reviews + 1)
        ],
    }
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("BEGIN")
        for table, rows in tables.items():
            sql = insert_sql(table)
            for start in range(0, len(rows), 10_000):
                db.executemany(sql, rows[start : start + 10_000])
        db.execute("COMMIT")


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@contextlib.contextmanager
def postgres_url():
    """A PostgreSQL URL whose demo may be replaced, or the reason there is none."""
    url = os.environ.get("LOOPBEAT_TEST_DATABASE_URL")
    if url:
        yield url, None
        return
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="loopbeat-pg-", dir="/tmp")))
    try:
        try:
            url = cluster.create()
        except ClusterError as error:
            yield None, str(error)
            return
        yield url, None
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)


def seed_postgres(url: str, sizes: SeedSizes) -> float:
    """Seconds to seed ``url`` with ``sizes`` (its demo replaced)."""
    from demoapp.dburl import parse_database
    from demoapp.pgseeding import build_postgres

    return timed(lambda: build_postgres(parse_database(url), sizes, force=True))


def line(label: str, text: str) -> None:
    print(f"{label:<21}: {text}")


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>10,.0f} rows/s ({seconds:.2f} s)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: proves it runs (CI)"
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="SQLite only (no server needed)"
    )
    args = parser.parse_args()
    sample = SAMPLE
    if args.quick:
        sample = SeedSizes(authors=50, books=1_000, reviews=1_500, seed=1)
    workdir = Path(tempfile.mkdtemp(prefix="loopbeat-bench-"))
    configure_django(workdir / "unused.sqlite3")
    rows = sample.authors + sample.books + sample.reviews

    naive = timed(lambda: naive_seed(workdir / "naive.sqlite3", sample))
    pooled = timed(lambda: build_database(workdir / "pooled.sqlite3", sample))

    ratio = naive / pooled
    sizes = f"{sample.authors:,}/{sample.books:,}/{sample.reviews:,}"
    print(f"sample: {rows:,} rows (authors/books/reviews {sizes})")
    line("naive Faker loop", rate(rows, naive))
    line("loopbeat, SQLite", rate(rows, pooled))
    verdict = "PASS" if ratio >= 10 else "MISS"
    line("ratio", f"{ratio:.1f}x  (target >= 10x: {verdict})")
    default = SeedSizes()
    full_rows = default.authors + default.books + default.reviews
    if not args.quick:
        full = timed(lambda: build_database(workdir / "default.sqlite3", default))
        size = (workdir / "default.sqlite3").stat().st_size / 1e6
        where = f"{full_rows:,} rows, {rate(full_rows, full)}, {size:.1f} MB"
        line("default, SQLite", where)
    if args.no_postgres:
        return 0
    with postgres_url() as (url, why_not):
        if url is None:
            line("loopbeat, PostgreSQL", f"not measured ({why_not})")
            return 0
        line("loopbeat, PostgreSQL", rate(rows, seed_postgres(url, sample)))
        if not args.quick:
            full = seed_postgres(url, default)
            line("default, PostgreSQL", f"{full_rows:,} rows, {rate(full_rows, full)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
