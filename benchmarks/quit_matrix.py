"""Quit under every kind of work: how long, how cleanly, and nothing left behind.

Run: ``python benchmarks/quit_matrix.py [--db PATH] [--states ...] [--ways ...]
[--quick]`` (``--quick``: the idle and export states, ended by ``q``).

For each state the app can be in (idle, frozen by a blocking run, a burst in
flight, a long run at 100 ms of latency per statement, a tour step running,
a quiz experiment running, a head-to-head pair running, an export being
written) and each way of ending it (``q``, Ctrl+C, SIGTERM, SIGHUP, the
terminal closed), the real app runs
on a pseudo-terminal, is put in that state and ended. Printed: the seconds
from the quit to the process ending, its exit status, and what was wrong
(a traceback or "Task exception" in its output, the terminal not restored,
the process still there after 5 s). Target: every cell ends within 2 s,
cleanly.
"""

import argparse
import os
import pty
import select
import signal
import sys
import tempfile
import time
from pathlib import Path

STATES = {
    "idle": (),
    "freeze": ("u",),
    "burst": ("a", "b"),
    "latency": ("+", "+", "+", "+", "n"),
    "tour": ("o", " "),
    "quiz": ("z", "\r"),
    "versus": ("c", "\r"),
    "replay": ("1", "r"),
    "export": ("a", "w"),
}
WAYS = ("q", "ctrl+c", "SIGTERM", "SIGHUP", "closed")
EXPECTED = {"q": 0, "ctrl+c": 0, "SIGTERM": 143, "SIGHUP": 129, "closed": None}


def one(db: Path, state: str, way: str, export_dir: str) -> tuple[float, str, str]:
    """(seconds to end, exit status, problems) for one cell."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["COLUMNS"], os.environ["LINES"] = "120", "40"
        argv = [sys.executable, "-m", "tui", "--db", str(db)]
        os.execv(sys.executable, [*argv, "--export-dir", export_dir])
    output = bytearray()

    def read_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    output.extend(os.read(fd, 65536))
                except OSError:
                    return

    read_for(4.0)  # Django set up, the screen drawn
    for key in STATES[state]:
        os.write(fd, key.encode())
        read_for(0.2)
    quit_at = time.monotonic()
    if way == "q":
        os.write(fd, b"q")
    elif way == "ctrl+c":
        os.write(fd, b"\x03")
    elif way == "closed":
        os.close(fd)
    else:
        os.kill(pid, getattr(signal, way))
    status: int | None = None
    while time.monotonic() - quit_at < 5:
        if way != "closed":
            read_for(0.02)
        else:
            time.sleep(0.02)
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
            break
    took = time.monotonic() - quit_at
    problems = []
    if status is None:
        problems.append("still running after 5 s")
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if way != "closed":
        text = output.decode(errors="replace")
        if "Traceback" in text or "Task exception" in text:
            problems.append("printed an error")
        if b"\x1b[?1049l" not in output:
            problems.append("terminal not restored")
        os.close(fd)
    expected = EXPECTED[way]
    if status is not None and expected is not None and status != expected:
        problems.append(f"status {status}, expected {expected}")
    return took, "-" if status is None else str(status), ", ".join(problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--states", default=",".join(STATES))
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument(
        "--quick", action="store_true", help="two cells: proves it runs (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.states, args.ways = "idle,export", "q"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tui.cli_demo import prepare_database

    db = args.db or Path(
        os.environ.get("LOOPBEAT_DB") or tempfile.mkdtemp() + "/bench.sqlite3"
    )
    if problem := prepare_database(db):
        raise SystemExit(problem)
    export_dir = tempfile.mkdtemp()
    ways = args.ways.split(",")
    print(f"{'':<9}" + "".join(f"{way:>16}" for way in ways))
    worst, failures = 0.0, 0
    for state in args.states.split(","):
        cells = []
        for way in ways:
            took, status, problems = one(db, state, way, export_dir)
            worst = max(worst, took)
            bad = bool(problems) or took > 2
            failures += bad
            cells.append(f"{took:5.2f}s {status:>4}{' !' if bad else '  '}")
            if problems:
                print(f"  {state} / {way}: {problems}", file=sys.stderr)
        print(f"{state:<9}" + "".join(f"{cell:>16}" for cell in cells), flush=True)
    verdict = "PASS" if failures == 0 else f"MISS ({failures} cells)"
    print(f"slowest {worst:.2f} s; every cell within 2 s and clean: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
