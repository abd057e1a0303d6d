"""Hardening, round two: the command line and the live app under abuse.

Quitting with work in flight, a closed terminal, no terminal at all, Ctrl+C
in headless mode, output paths that cannot be written, text that looks like
markup. Each ends promptly, with a sentence, never a traceback.
"""

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from textual.content import Content

from tests.test_app import started
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.ui.app import LoopbeatApp

ROOT = Path(__file__).resolve().parent.parent


def tui(*args: str, db: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=kwargs.pop("cwd", ROOT),
        **kwargs,
    )


class OnATerminal:
    """The real app on a pseudo-terminal, as a user starts it."""

    def __init__(self, db: Path, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["COLUMNS"], os.environ["LINES"] = "120", "40"
            argv = [sys.executable, "-m", "tui", "--db", str(db), *args]
            os.execv(sys.executable, argv)
        self.output = b""

    def read_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([self.fd], [], [], 0.05)[0]:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    return

    def keys(self, *keys: str) -> None:
        for key in keys:
            os.write(self.fd, key.encode())
            self.read_for(0.15)

    def wait(self, seconds: float, *, reading: bool = True) -> int | None:
        """The exit status, if the process ended within ``seconds``."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if reading:
                self.read_for(0.05)
            else:
                time.sleep(0.05)
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


def test_quitting_with_a_burst_in_flight_is_prompt_and_quiet(demo_db: Path) -> None:
    app = OnATerminal(demo_db)
    app.read_for(4)  # the screen is up
    app.keys("a", "b", "b")  # the async ORM, then two bursts of it
    sent = time.monotonic()
    app.keys("q")
    assert app.wait(2.5) == 0
    assert time.monotonic() - sent < 2.5
    text = app.output.decode(errors="replace")
    assert "Task exception" not in text and "Traceback" not in text
    os.close(app.fd)


def test_closing_the_terminal_during_a_burst_ends_the_process(demo_db: Path) -> None:
    app = OnATerminal(demo_db)
    app.read_for(4)
    app.keys("a", "b")
    closed = time.monotonic()
    os.close(app.fd)  # the terminal window goes: SIGHUP, and nowhere to write
    assert app.wait(2.5, reading=False) is not None, "the process was left behind"
    assert time.monotonic() - closed < 2.5


def test_the_live_app_needs_a_terminal(demo_db: Path) -> None:
    result = tui(db=demo_db, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "--headless" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_in_headless_mode_keeps_what_was_measured(demo_db: Path) -> None:
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "tui", "--db", str(demo_db), "--headless"),
            *("--patterns", "sleep-await,n-plus-one", "--latency-ms", "2000"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(5)  # past the first run, inside the N+1's two-second waits
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert time.monotonic() - sent < 5
    assert "interrupted" in out and "sleep-await" in out
    assert "Traceback" not in out + err


@pytest.mark.parametrize("target", ["directory", "/dev/null"])
def test_headless_refuses_an_output_it_cannot_write_before_running(
    demo_db: Path, tmp_path: Path, target: str
) -> None:
    path = str(tmp_path) if target == "directory" else target
    result = tui("--headless", "--json", path, db=demo_db)
    assert result.returncode == 2
    assert "is not a regular file" in result.stderr
    assert "loopbeat: what the event loop felt" not in result.stdout  # no run made


def test_a_path_that_looks_like_markup_is_written_and_said_as_it_is(
    demo_db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "talks [draft] [bold]"  # "/" cannot be in a name
    folder.mkdir()
    out = folder / "run [italic].json"
    result = tui(
        "--headless", "--patterns", "sleep-await", "--json", str(out), db=demo_db
    )
    assert result.returncode == 0, result.stderr
    assert out.exists()
    assert f"wrote {out}" in result.stdout


def test_duplicate_patterns_make_one_row(demo_db: Path) -> None:
    result = tui(
        "--headless", "--patterns", "sleep-await,sleep-block,sleep-await", db=demo_db
    )
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "sleep-await" in line]
    assert len(rows) == 1


def test_a_deleted_working_directory_is_said_not_crashed_on(
    demo_db: Path, tmp_path: Path
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os,sys; os.rmdir(os.getcwd()); "
            "sys.argv=['tui','--headless','--patterns','sleep-await','--export']; "
            "from tui.__main__ import main; sys.exit(main())",
        ],
        cwd=gone,
        env={**os.environ, "PYTHONPATH": str(ROOT), "LOOPBEAT_DB": str(demo_db)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "current directory is gone" in err
    assert "Traceback" not in out + err


async def test_an_unwritable_export_is_a_notice_even_with_markup_in_it(
    demo_db: Path,
) -> None:
    app = LoopbeatApp(
        demo_target(demo_db), catalog=PATTERNS, export_dir=Path("/nonexistent/x[/]")
    )
    async with started(app) as pilot:
        await pilot.press("w", "ctrl+s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert sum("x[/]" in m for m in messages) == 2, messages
        assert app.is_running


async def test_the_palette_shows_keys_as_text_not_markup(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, live=False)
    async with app.run_test():
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
    guarded = commands["Sync ORM in an async view"]
    # The palette reads help as markup: it must come out as the text itself.
    assert Content.from_markup(guarded.help).plain == "key s: /sync/guarded"
