"""The database and its seeding survive odd paths, signals, races and crashes.

The tests run as root on the CI machine, where permission bits stop nothing:
permission errors and read-only places are simulated with monkeypatch, as the
tests that need them say.
"""

import errno
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from demoapp.health import inspect_database
from demoapp.seeding import SeedError, SeedSizes, build_database, check_target
from tests.test_seeding import ROOT, TINY, digest, run_seed
from tui.output.files import write_atomically

SLOW = ("--authors", "1000", "--books", "2000000", "--reviews", "0")


def run_python(code: str, timeout: float = 30) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter at the repository root."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def null_clone(tmp_path: Path) -> Path:
    """A character device like /dev/null, which a broken seeder may replace."""
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return node


def deny_stat_under(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """Make every stat below ``directory`` fail as a missing search bit would.

    Root is never denied, so ``os.stat`` (which ``Path.stat`` and
    ``Path.exists`` call too) is patched to raise ``PermissionError``.
    """
    real_stat = os.stat
    prefix = f"{directory}{os.sep}"

    def stat_or_deny(path, *args, **kwargs):
        if os.fspath(path).startswith(prefix):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat_or_deny)


# --- 1. devices, FIFOs and sockets are never opened or replaced --------------


def test_dev_null_is_refused_and_untouched() -> None:
    before = os.stat("/dev/null")
    with pytest.raises(SeedError, match="not a regular file"):
        check_target(Path("/dev/null"), force=True)
    status = inspect_database(Path("/dev/null"))
    assert not status.ready
    assert "not a regular file" in status.problem
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_cli_refuses_a_device_and_leaves_it_alone(tmp_path: Path) -> None:
    """A private clone of /dev/null, so a regression cannot break the machine."""
    device = null_clone(tmp_path)
    for args in ([], ["--force"]):
        result = run_seed("--db", str(device), "--books", "20", *args)
        assert result.returncode == 2
        assert "not a regular file" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert stat.S_ISCHR(os.stat(device).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["null"]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.sqlite3"
    os.mkfifo(fifo)
    code = f"""
from pathlib import Path
from demoapp.health import inspect_database
from demoapp.seeding import SeedError, check_target
path = Path({str(fifo)!r})
print(inspect_database(path).problem)
try:
    check_target(path, force=True)
except SeedError as error:
    print(error)
"""
    result = run_python(code, timeout=20)  # opening the FIFO would block forever
    assert result.returncode == 0, result.stderr
    problem, refusal = result.stdout.strip().splitlines()
    assert "not a regular file" in problem
    assert "not a regular file" in refusal
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_check_on_a_fifo_returns_promptly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.sqlite3"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "tui", "--check", "--db", str(fifo)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "not a regular file" in result.stdout
    assert "--force" not in result.stdout


# --- 2. signals while seeding, and temporary files of dead seeders ----------


@pytest.mark.parametrize(("signal_name", "code"), [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_while_seeding_removes_the_temporary_file(
    tmp_path: Path, signal_name: str, code: int
) -> None:
    target = tmp_path / "db.sqlite3"
    seeder = subprocess.Popen(
        [sys.executable, str(ROOT / "seed.py"), "--db", str(target), *SLOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    temporary = tmp_path / f".db.sqlite3.tmp-{seeder.pid}"
    try:
        deadline = time.monotonic() + 60
        while not temporary.exists() and time.monotonic() < deadline:
            assert seeder.poll() is None, seeder.communicate()
            time.sleep(0.05)
        assert temporary.exists(), "the seeder never started building"
        time.sleep(0.5)  # into the migrations or the inserts
        seeder.send_signal(getattr(signal, signal_name))
        _, stderr = seeder.communicate(timeout=30)
    finally:
        seeder.kill()
        seeder.wait()
    assert seeder.returncode == code, stderr
    assert "Traceback" not in stderr
    # Above it, rich's progress bars (also on stderr): the message is one line.
    messages = [line for line in stderr.splitlines() if line.startswith("seed.py:")]
    assert messages == [stderr.strip().splitlines()[-1]], stderr
    assert messages[0].startswith(f"seed.py: stopped by {signal_name}; ")
    assert os.listdir(tmp_path) == []


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)
    return child.pid


def test_temporary_files_of_dead_seeders_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "db.sqlite3"
    dead = dead_pid()
    stale = [
        tmp_path / f".db.sqlite3.tmp-{dead}",
        tmp_path / f".db.sqlite3.tmp-{dead}-journal",
    ]
    for path in stale:
        path.write_bytes(b"x" * 1000)
    alive = tmp_path / f".db.sqlite3.tmp-{os.getppid()}"  # a live process's
    alive.write_bytes(b"y")
    unrelated = tmp_path / f".other.sqlite3.tmp-{dead}"
    unrelated.write_bytes(b"z")
    build_database(target, TINY)
    assert sorted(os.listdir(tmp_path)) == sorted(
        [target.name, alive.name, unrelated.name]
    )


def test_seeding_off_the_main_thread_works(tmp_path: Path) -> None:
    """Signal handlers can only be set on the main thread; elsewhere, skip them."""
    before = signal.getsignal(signal.SIGTERM)
    outcome: list[object] = []
    thread = threading.Thread(
        target=lambda: outcome.append(build_database(tmp_path / "db.sqlite3", TINY))
    )
    thread.start()
    thread.join(60)
    assert outcome and inspect_database(tmp_path / "db.sqlite3").ready
    assert signal.getsignal(signal.SIGTERM) is before


# --- 3. unreachable paths ------------------------------------------------------


def test_an_unreachable_database_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directory lacks search permission (simulated: root is never denied)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    target = locked / "db.sqlite3"
    deny_stat_under(monkeypatch, locked)

    status = inspect_database(target, count_rows=False)
    assert not status.ready
    assert status.exists  # unknown, so callers report instead of seeding
    assert status.problem == f"cannot reach {target}: permission denied"
    assert "--force" not in status.fix

    for attempt in (
        lambda: check_target(target, force=False),
        lambda: build_database(target, TINY, force=True),
    ):
        with pytest.raises(SeedError, match=r"cannot reach .*: permission denied"):
            attempt()


# --- 5. two seeders, one path ------------------------------------------------------


def test_two_racing_seeders_one_wins_the_other_is_told(tmp_path: Path) -> None:
    target = tmp_path / "db.sqlite3"
    first_started, second_done = threading.Event(), threading.Event()
    outcome: list[object] = []

    def hold(table: str, done: int, total: int) -> None:
        if table == "book" and done:
            first_started.set()
            second_done.wait(60)

    def first() -> None:
        try:
            outcome.append(
                build_database(target, SeedSizes(10, 30_000, 0, 1), progress=hold)
            )
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert first_started.wait(60)
        with pytest.raises(SeedError, match="another seeder") as refused:
            build_database(target, TINY)
        assert len(str(refused.value).splitlines()) == 1
    finally:
        second_done.set()
        thread.join(60)
    assert not isinstance(outcome[0], BaseException), outcome
    assert inspect_database(target).rows["book"] == 30_000
    assert os.listdir(tmp_path) == ["db.sqlite3"]


def test_a_database_appearing_during_the_build_is_not_replaced(
    tmp_path: Path,
) -> None:
    """Another seeder (one that takes no lock) finishes first: it wins."""
    target, theirs = tmp_path / "db.sqlite3", tmp_path / "theirs.sqlite3"
    build_database(theirs, TINY)

    def finish_theirs(table: str, done: int, total: int) -> None:
        if table == "book" and done and not target.exists():
            os.link(theirs, target)

    with pytest.raises(SeedError, match="already exists"):
        build_database(target, SeedSizes(10, 20_000, 0, 1), progress=finish_theirs)
    assert digest(target) == digest(theirs)
    assert sorted(os.listdir(tmp_path)) == ["db.sqlite3", "theirs.sqlite3"]


# --- 6. symbolic links are followed ------------------------------------------------


def test_force_through_a_symlink_reseeds_the_target_and_keeps_the_link(
    tmp_path: Path,
) -> None:
    real, link = tmp_path / "real.sqlite3", tmp_path / "link.sqlite3"
    build_database(real, TINY)
    link.symlink_to(real)
    with pytest.raises(SeedError, match="--force"):
        build_database(link, TINY)
    build_database(link, SeedSizes(10, 20, 0, 1), force=True)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert inspect_database(real).rows["book"] == 20


def test_a_dangling_symlink_is_seeded_where_it_points(tmp_path: Path) -> None:
    real, link = tmp_path / "elsewhere" / "real.sqlite3", tmp_path / "link.sqlite3"
    link.symlink_to(real)
    assert not inspect_database(link).ready
    build_database(link, TINY)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert inspect_database(real).ready
    assert os.listdir(real.parent) == ["real.sqlite3"]


# --- 7 and 8. replacing a file keeps its mode --------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o640])
def test_force_keeps_the_mode_of_the_replaced_database(
    tmp_path: Path, mode: int
) -> None:
    target = tmp_path / "db.sqlite3"
    build_database(target, TINY)
    target.chmod(mode)
    build_database(target, SeedSizes(10, 20, 0, 1), force=True)
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_write_atomically_keeps_the_mode_of_the_replaced_file(tmp_path: Path) -> None:
    kept, fresh = tmp_path / "kept.json", tmp_path / "fresh.json"
    kept.write_text("old")
    kept.chmod(0o600)
    write_atomically(kept, "new")
    write_atomically(fresh, "new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
