"""PostgreSQL faults, on a cluster of the test's own: a server that is not
there, that refuses, that holds no demo, that stops mid-session, that answers
slowly. Each is a sentence and an exit status, never a hang or a traceback.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.pgcluster import Cluster, free_port
from tests.postgres import ROOT, loopbeat, own_cluster, seed

TINY = ("--authors=20", "--books=2000", "--reviews=100", "--seed=3")


@pytest.fixture(scope="module")
def cluster():
    own = own_cluster()
    try:
        done = seed(own.url, *TINY)
        assert done.returncode == 0, done.stderr
        yield own
    finally:
        own.stop()
        shutil.rmtree(own.root, ignore_errors=True)


def _with(url: str, **parts: str) -> str:
    split = urlsplit(url)
    user, password, host, port = (
        split.username,
        split.password,
        split.hostname,
        split.port,
    )
    user = parts.get("user", user)
    password = parts.get("password", password)
    port = parts.get("port", port)
    path = parts.get("path", split.path)
    return urlunsplit((split.scheme, f"{user}:{password}@{host}:{port}", path, "", ""))


def _said_in_one_line(done: subprocess.CompletedProcess, secret: str) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    text = done.stdout + done.stderr
    assert "Traceback" not in text and secret not in text
    (line,) = [line for line in done.stderr.splitlines() if line.strip()]
    return line


def test_nothing_listening_is_said_within_seconds(cluster: Cluster) -> None:
    url = _with(cluster.url, port=str(free_port()))
    started = time.monotonic()
    done = loopbeat(url, "--headless", "--patterns", "sleep-await", timeout=30)
    line = _said_in_one_line(done, urlsplit(url).password or "")
    assert time.monotonic() - started < 15
    assert "start the server, or correct the host and port" in line


def test_a_wrong_password_is_the_servers_message(cluster: Cluster) -> None:
    url = _with(cluster.url, password="not-the-password")
    line = _said_in_one_line(loopbeat(url, "--headless"), "not-the-password")
    assert 'password authentication failed for user "loopbeat"' in line
    assert "check the user and password" in line


def test_a_missing_database_is_the_servers_message(cluster: Cluster) -> None:
    url = _with(cluster.url, path="/no_such_db")
    line = _said_in_one_line(loopbeat(url, "--headless"), urlsplit(url).password or "")
    assert 'database "no_such_db" does not exist' in line


def test_a_database_without_the_demo_gives_the_seed_command(cluster: Cluster) -> None:
    url = _with(cluster.url, path="/postgres")  # the server's own, never seeded
    line = _said_in_one_line(loopbeat(url, "--headless"), urlsplit(url).password or "")
    assert "the demo tables are missing" in line
    assert "python seed.py --database" in line and "***" in line
    with_variable = subprocess.run(
        [sys.executable, "-m", "tui", "--headless"],
        cwd=ROOT,
        env={**os.environ, "LOOPBEAT_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The variable names it, so the command needs no URL (nor a password).
    assert "Fix: python seed.py" in with_variable.stderr
    assert "--database" not in with_variable.stderr


def test_an_interrupted_seed_leaves_the_demo_as_it_was(cluster: Cluster) -> None:
    before = loopbeat(cluster.url, "--check")
    assert before.returncode == 0, before.stderr
    seeding = subprocess.Popen(
        [
            sys.executable,
            "seed.py",
            "--database",
            cluster.url,
            "--force",
            "--books=3000000",
            "--reviews=0",
            "--authors=10",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # well into the COPY of three million books
    second = seed(cluster.url, *TINY, "--force")
    assert second.returncode == 2
    assert "another seeder is already building" in second.stderr
    seeding.send_signal(signal.SIGTERM)
    _, err = seeding.communicate(timeout=60)
    assert seeding.returncode == 128 + signal.SIGTERM, err
    after = loopbeat(cluster.url, "--check")
    assert after.returncode == 0, after.stderr
    counts = [line for line in after.stdout.splitlines() if line.startswith("book:")]
    assert counts == ["book:     2,000"]


def test_a_server_stopped_mid_session_is_an_error_row_then_runs_again(
    cluster: Cluster,
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "tests/drive_postgres_restart.py",
            cluster.url,
            str(cluster.root),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    runs = [json.loads(line) for line in done.stdout.splitlines()]
    by_phase: dict[str, list[dict]] = {}
    for run in runs:
        by_phase.setdefault(run["phase"], []).append(run)
    assert not any(run["failed"] for run in by_phase["up"])
    assert all(run["failed"] for run in by_phase["down"]), by_phase["down"]
    # A fresh connection per request (the ORM, psycopg's connect) works at
    # once; the pool drops the connections the restart broke as they fail.
    back = {run["pattern"]: run for run in by_phase["back"]}
    assert not back["async-for"]["failed"] and not back["native-driver"]["failed"]
    assert not any(run["failed"] for run in by_phase["again"]), by_phase["again"]


@pytest.fixture
def slow_server(cluster: Cluster):
    """Every read of the books waits 3 s on the server (pg_sleep)."""
    import psycopg

    from demoapp.dburl import parse_database

    params = parse_database(cluster.url).connect_params()
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("ALTER TABLE demoapp_book RENAME TO demoapp_book_data")
        conn.execute(
            "CREATE VIEW demoapp_book AS WITH slow AS (SELECT pg_sleep(3))"
            " SELECT book.* FROM demoapp_book_data book, slow"
        )
    yield cluster
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("DROP VIEW demoapp_book")
        conn.execute("ALTER TABLE demoapp_book_data RENAME TO demoapp_book")


def test_a_slow_server_is_a_slow_run_and_the_loop_beats_on(
    slow_server: Cluster, tmp_path: Path
) -> None:
    out = tmp_path / "slow.json"
    done = loopbeat(
        slow_server.url,
        "--headless",
        "--patterns",
        "native-driver,async-for",
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    for run in json.loads(out.read_text())["results"]:
        assert run["wall"] >= 3, run["pattern"]  # the server's wait, said
        assert run["loop_max_lag"] < 1, run["pattern"]  # waited on, not blocked


def test_ctrl_c_during_a_slow_answer_ends_within_two_seconds(
    slow_server: Cluster,
) -> None:
    running = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui",
            "--database",
            slow_server.url,
            "--headless",
            "--patterns",
            "native-driver",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert running.stderr is not None
    said = ""
    while "run 1 of 1" not in said:  # started (the warm-up is slow too)
        line = running.stderr.readline()
        assert line, said
        said += line
    time.sleep(1)  # the run's statement is waiting for the server
    sent = time.monotonic()
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=30)
    assert time.monotonic() - sent < 2.5
    assert running.returncode == 130, err
    assert "interrupted during run 1 of 1" in out + err
    assert "Traceback" not in out + err and "never retrieved" not in out + err
