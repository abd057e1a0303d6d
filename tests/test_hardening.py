"""Nothing a presenter or the environment does crashes the app or loses data."""

import asyncio
import os
import random
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from demoapp.health import inspect_database
from tests.conftest import send
from tests.test_app import run_and_wait, started
from tui.engine.bench import MAX_RUNS_IN_FLIGHT
from tui.engine.inprocess import get
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.ui.app import LoopbeatApp

MASHABLE = [
    *(p.key for p in PATTERNS),
    *"bfx",
    "plus",
    "minus",
    "enter",
    "up",
    "down",
    "tab",
    "ctrl+p",
    "escape",
    "space",
    "z",
]


async def test_mashing_keys_keeps_the_app_responsive(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    peak = runs = 0
    async with started(app) as pilot:
        real_request = app.request_runs

        def counting_request(specs, reply_to=None, token=None):
            nonlocal peak, runs
            accepted = real_request(specs, reply_to, token)
            peak = max(peak, app.bench.runs_in_flight)
            runs += accepted
            return accepted

        app.request_runs = counting_request
        keys = random.Random(1).choices(MASHABLE, k=500)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        for key in keys:
            await pilot.press(key)
            if loop.time() > deadline:
                break
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert peak <= MAX_RUNS_IN_FLIGHT
        assert app.bench.runs_in_flight == 0
        # Not app.results: an "x" among the keys clears it.
        assert runs > 0, "some runs must have happened"
        # Still responsive: a fresh key press runs and is measured.
        result = await run_and_wait(pilot, "e")
        assert result.error is None
    assert app.return_code in (None, 0)


async def test_a_vanished_database_fails_the_run_then_recovers(
    demo_db: Path, asgi_app, recorded_app, tmp_path: Path
) -> None:
    aside = tmp_path / "aside.sqlite3"
    os.replace(demo_db, aside)
    try:
        response, record = await send(recorded_app, "/async/get-count")
        assert response.status == 500
        assert record.raised is not None
        assert "no such table" in str(record.raised)
    finally:
        os.replace(aside, demo_db)  # also removes the empty file Django made
    response = await get(asgi_app, "/async/get-count")
    assert response.status == 200


async def test_a_locked_database_fails_the_run_then_recovers(
    demo_db: Path, asgi_app, recorded_app
) -> None:
    locker = sqlite3.connect(demo_db, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        response, record = await send(recorded_app, "/async/get-count")
        assert response.status == 500
        assert record.raised is not None
        assert "database is locked" in str(record.raised)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert (await get(asgi_app, "/async/get-count")).status == 200


async def test_a_read_only_database_still_serves_reads(demo_db: Path, asgi_app) -> None:
    mode = demo_db.stat().st_mode
    demo_db.chmod(0o444)
    try:
        for url in ("/async/get-count", "/native", "/gather/native?n=2"):
            assert (await get(asgi_app, url)).status == 200, url
    finally:
        demo_db.chmod(mode)


def run_app_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_a_directory_as_database_is_refused(tmp_path: Path) -> None:
    result = run_app_cli("--db", str(tmp_path))
    assert result.returncode == 2
    assert "is a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_foreign_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("not a database\n")
    result = run_app_cli("--db", str(notes))
    assert result.returncode == 2
    assert "not a SQLite database" in result.stderr
    assert notes.read_text() == "not a database\n"


def test_an_older_schema_says_how_to_fix_it(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    with closing(sqlite3.connect(old)) as db:
        db.executescript(
            "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT,"
            " name TEXT, applied TEXT);"
            "CREATE TABLE demoapp_author (id INTEGER PRIMARY KEY);"
            "CREATE TABLE demoapp_book (id INTEGER PRIMARY KEY);"
            "CREATE TABLE demoapp_review (id INTEGER PRIMARY KEY);"
        )
    before = old.read_bytes()
    assert "older" in inspect_database(old).problem
    result = run_app_cli("--db", str(old))
    assert result.returncode == 2
    assert "seed.py --force" in result.stderr
    assert old.read_bytes() == before


async def test_sql_metacharacters_in_parameters_are_harmless(
    demo_db: Path, asgi_app
) -> None:
    hostile = ["1;DROP TABLE demoapp_book", "1' OR '1'='1", '1") --', "%27%3B"]
    for value in hostile:
        for url in (f"/n-plus-one?books={value}", f"/gather/orm?n={value}"):
            response = await get(asgi_app, url)
            assert response.status == 200, url
    assert inspect_database(demo_db).rows["book"] > 0


def test_no_listening_socket_while_the_app_runs(demo_db: Path) -> None:
    code = f"""
import asyncio, os
from pathlib import Path
from tui.ui.app import LoopbeatApp
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS

def listening_inodes():
    inodes = set()
    for name in ("tcp", "tcp6", "udp", "udp6"):
        try:
            lines = open(f"/proc/net/{{name}}").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if name.startswith("udp") or fields[3] == "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    return inodes

def my_socket_inodes():
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{{fd}}")
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[8:-1])
    return found

async def main():
    app = LoopbeatApp(demo_target(Path({str(demo_db)!r})), catalog=PATTERNS)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("d")
        await app.workers.wait_for_complete()
        print(len(my_socket_inodes() & listening_inodes()))

asyncio.run(main())
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0"


def test_secret_key_is_made_per_process(demo_db: Path) -> None:
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'demoapp.settings';"
        "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    keys = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(keys) == 2
    assert all(len(key) >= 50 for key in keys)
    settings_source = (Path(__file__).parent.parent / "demoapp/settings.py").read_text()
    assert "SECRET_KEY = secrets." in settings_source


@pytest.mark.parametrize("keys", [("u", "q"), ("b", "q"), ("a", "ctrl+c")])
async def test_quit_mid_run_leaves_no_thread_behind(demo_db: Path, keys) -> None:
    import threading

    before = {t.ident for t in threading.enumerate()}
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, burst=3)
    async with started(app) as pilot:
        app.main.pattern_list.select_pattern(PATTERNS[4])  # async-for, for the burst
        await pilot.press(*keys)
    assert app.return_code == 0
    # Django's per-request threads finish the query they were given, then end.
    # ("asyncio_N" is the loop's default executor, idle, shut down with the loop.)
    for _ in range(100):
        extra = [
            t
            for t in threading.enumerate()
            if t.ident not in before and not t.name.startswith("asyncio_")
        ]
        if not extra:
            break
        await asyncio.sleep(0.05)
    assert not extra, extra


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_a_signal_quits_and_restores_the_terminal(demo_db: Path, signal_name) -> None:
    """Run the real app on a pseudo-terminal, signal it, read what it left."""
    import pty
    import select
    import signal
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the app, as a user starts it
        os.environ["COLUMNS"], os.environ["LINES"] = "120", "40"
        os.execv(sys.executable, [sys.executable, "-m", "tui", "--db", str(demo_db)])
    output = b""

    def read_for(seconds: float) -> None:
        nonlocal output
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    output += os.read(fd, 65536)
                except OSError:
                    return

    read_for(4)  # started: the screen is up
    assert b"\x1b[?1049h" in output, "the app never entered the alternate screen"
    os.kill(pid, getattr(signal, signal_name))
    sent = time.monotonic()
    status = None
    while time.monotonic() - sent < 5:
        read_for(0.1)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    assert status is not None and os.WIFEXITED(status), "the app did not exit"
    assert time.monotonic() - sent < 2.5
    # The conventional status for "ended by signal N": 128 + N.
    expected = 128 + getattr(signal, signal_name)
    assert os.WEXITSTATUS(status) == expected, output[-2000:].decode(errors="replace")
    assert b"\x1b[?1049l" in output  # left the alternate screen: terminal restored
    assert b"Traceback" not in output, output[-3000:].decode(errors="replace")
    os.close(fd)
