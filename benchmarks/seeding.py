"""Seeding speed: the project's pooled seeder against a naive Faker loop.

Run: ``python benchmarks/seeding.py [--quick]``. Prints rows per second for
both, measured in the same run on the same sizes, their ratio (target: at
least 10x), and the wall time of the default data set (``--quick``: a tenth
of each size and no default data set, to prove it runs).
"""

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from faker import Faker

from demoapp.bootstrap import configure_django
from demoapp.seeding import SeedSizes, build_database, insert_sql

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: proves it runs (CI)"
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
    print(f"naive Faker loop : {rows / naive:>10,.0f} rows/s ({naive:.2f} s)")
    print(f"loopbeat seeder  : {rows / pooled:>10,.0f} rows/s ({pooled:.2f} s)")
    verdict = "PASS" if ratio >= 10 else "MISS"
    print(f"ratio            : {ratio:.1f}x  (target >= 10x: {verdict})")
    if args.quick:
        return 0
    default = SeedSizes()
    full = timed(lambda: build_database(workdir / "default.sqlite3", default))
    full_rows = default.authors + default.books + default.reviews
    print(
        f"default data set : {full_rows:,} rows in {full:.2f} s"
        f" ({full_rows / full:,.0f} rows/s,"
        f" {(workdir / 'default.sqlite3').stat().st_size / 1e6:.1f} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
