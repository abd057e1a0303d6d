"""The demo on a real PostgreSQL server: the same rows, each pattern's facts,
latency that never blocks the loop, and a password nobody sees.

Needs a server (``tests/postgres.py``): CI starts one.
"""

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

from tests.postgres import loopbeat, seed

TABLES = {
    "demoapp_author": "id, name, country, born",
    "demoapp_book": "id, author_id, title, isbn, genre, published, pages, price_cents",
    "demoapp_review": "id, book_id, reviewer, rating, body",
}


def _password(url: str) -> str:
    return urlsplit(url).password or ""


def test_seeding_gives_the_same_rows_as_sqlite(
    postgres_demo: str, demo_db: Path
) -> None:
    import psycopg

    from demoapp.dburl import parse_database

    database = parse_database(postgres_demo)
    with (
        closing(sqlite3.connect(demo_db)) as lite,
        psycopg.connect(**database.connect_params()) as server,
    ):
        for table, columns in TABLES.items():
            query = f"SELECT {columns} FROM {table} ORDER BY id"
            expected = [tuple(row) for row in lite.execute(query)]
            got = [tuple(row) for row in server.execute(query)]
            assert got == expected, table
            assert expected  # the session's SMALL data set is not empty


def test_seeding_again_needs_force_and_says_so_without_the_password(
    postgres_demo: str,
) -> None:
    done = seed(postgres_demo, "--authors=5", "--books=5", "--reviews=5")
    assert done.returncode == 2
    assert "pass --force to replace it" in done.stderr
    assert _password(postgres_demo) not in done.stderr + done.stdout


def _headless(url: str, patterns: str, latency_ms: float, tmp_path: Path) -> dict:
    out = tmp_path / f"{patterns.replace(',', '_')}-{latency_ms:g}.json"
    done = loopbeat(
        url,
        "--headless",
        "--patterns",
        patterns,
        "--latency-ms",
        f"{latency_ms:g}",
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert _password(url) not in done.stdout + done.stderr + out.read_text()
    assert "PostgreSQL" in done.stdout and "***" in done.stdout
    return {run["pattern"]: run for run in json.loads(out.read_text())["results"]}


def test_each_pattern_runs_where_its_driver_runs_it(
    postgres_demo: str, tmp_path: Path
) -> None:
    runs = _headless(
        postgres_demo,
        "sync-guarded,async-for,async-stream,sync-view,native-driver,"
        "native-chunked,gather-native,gather-shared",
        0,
        tmp_path,
    )
    assert runs["sync-guarded"]["verdict_kind"] == "raised"  # the guard, as on SQLite
    # Django's backend has no async code: the ORM runs psycopg's sync
    # connection on the request's one worker thread.
    for name in ("async-for", "async-stream", "sync-view"):
        threads = set(runs[name]["query_threads"])
        assert len(threads) == 1 and "MainThread" not in threads, name
    # psycopg's AsyncConnection: no thread, every statement on the loop's.
    for name in ("native-driver", "native-chunked", "gather-native", "gather-shared"):
        assert set(runs[name]["query_threads"]) == {"MainThread"}, name
    assert runs["native-driver"]["rows"] == runs["async-for"]["rows"] > 0
    # stream() is one statement, its rows read as they come; Django's
    # aiterator is a server-side cursor: a round trip per FETCH.
    assert runs["native-chunked"]["queries"] == runs["native-driver"]["queries"] == 1
    assert runs["async-stream"]["queries"] > runs["async-for"]["queries"]


def test_latency_is_a_round_trip_per_statement_that_never_blocks_the_loop(
    postgres_demo: str, tmp_path: Path
) -> None:
    latency = 200
    runs = _headless(
        postgres_demo, "gather-orm,gather-native,gather-shared", latency, tmp_path
    )
    for name, run in runs.items():
        # Charged: five counts at 200 ms each take 200 ms at the least.
        assert run["wall"] >= latency / 1000, name
        # Never a freeze: a blocking wait would lag the loop 200 ms or more.
        assert run["loop_max_lag"] < latency / 1000 / 2, (name, run["loop_max_lag"])
    # Gathered on a pool, the waits overlap; on one connection (psycopg) and
    # on one worker thread (Django), they take turns.
    serial = 5 * latency / 1000
    assert runs["gather-native"]["wall"] < serial / 2
    assert runs["gather-shared"]["wall"] >= serial * 0.9
    assert runs["gather-orm"]["wall"] >= serial * 0.9


def test_check_and_exports_name_the_server_not_the_password(
    postgres_demo: str, tmp_path: Path
) -> None:
    done = loopbeat(postgres_demo, "--check")
    assert done.returncode == 0, done.stderr
    assert "server:   PostgreSQL" in done.stdout and "***" in done.stdout
    assert _password(postgres_demo) not in done.stdout + done.stderr
    exported = loopbeat(
        postgres_demo,
        "--headless",
        "--patterns",
        "sleep-await",
        "--export",
        "--export-dir",
        str(tmp_path),
    )
    assert exported.returncode == 0, exported.stderr
    files = list(tmp_path.iterdir())
    assert len(files) >= 3  # JSON, CSV, trace
    for path in files:
        assert _password(postgres_demo) not in path.read_text(errors="replace")
    (session,) = [p for p in files if p.suffix == ".json" and "trace" not in p.name]
    meta = json.loads(session.read_text())["meta"]
    assert meta["backend"] == "PostgreSQL" and "***" in meta["database"]


def test_every_explanation_and_caption_agrees_with_its_run_on_postgresql(
    postgres_demo: str, tmp_path: Path
) -> None:
    # The texts said on stage for PostgreSQL, held to runs on PostgreSQL.
    from tests.test_claims import _agrees
    from tui.lessons.patterns import POSTGRESQL, catalog
    from tui.lessons.tour import load_tour

    patterns = catalog(POSTGRESQL)
    runs = _headless(postgres_demo, ",".join(p.name for p in patterns), 0, tmp_path)
    wrong = []
    for pattern in patterns:
        kind = runs[pattern.name]["verdict_kind"]
        if problem := _agrees(pattern.explanation, kind):
            wrong.append(f"{pattern.name}: {problem} ({runs[pattern.name]['verdict']})")
    for number, step in enumerate(load_tour(backend=POSTGRESQL), start=1):
        if step.spec.burst > 1 or step.spec.latency_ms:
            continue  # the waits, not the loop, are those steps' point
        kind = runs[step.spec.pattern.name]["verdict_kind"]
        if problem := _agrees(step.caption, kind):
            wrong.append(f"tour step {number}: {problem}")
    assert not wrong
