"""Start-up: process start to first frame, loopbeat against a Textual "hello".

Run: ``python benchmarks/startup.py [--runs 5] [--db PATH] [--quick]``. Each
app starts in a fresh process on a pseudo-terminal of 160x45, as a user
starts it (the live app refuses anything but a terminal), and writes to a
file when Textual hands it to its pilot (the first frame is composed). The
two run in turn, so drift on a shared machine hits both alike. Prints the
median of each and their ratio. Target: loopbeat at most 1.5x the hello app.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ptyrun import run_on_pty

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 45)

HELLO = """
import sys, time
from pathlib import Path
started, out = float(sys.argv[1]), Path(sys.argv[2])
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello")

async def pilot(p):
    out.write_text(repr(time.time() - started))
    p.app.exit()

Hello().run(auto_pilot=pilot)
"""

LOOPBEAT = """
import sys, time
from pathlib import Path
started, out = float(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, sys.argv[4])
import tui.ui.app

real_run = tui.ui.app.LoopbeatApp.run

async def pilot(p):
    out.write_text(repr(time.time() - started))
    p.app.exit()

tui.ui.app.LoopbeatApp.run = lambda self: real_run(self, auto_pilot=pilot)
from tui.cli import main
main(["--db", sys.argv[3]])
"""


def first_frame(code: str, *args: str) -> float:
    """Seconds from starting ``code`` on a pty to its first frame."""
    out = Path(tempfile.mkdtemp()) / "first-frame"
    started = time.time()
    argv = [sys.executable, "-c", code, repr(started), str(out), *args]
    status = run_on_pty(argv, *SIZE, timeout=60, env=warm_environment())
    if not out.exists():
        raise SystemExit(f"the app ended (status {status}) before its first frame")
    return float(out.read_text())


PYCACHE = Path(tempfile.mkdtemp(prefix="loopbeat-pycache-"))


def warm_environment() -> dict[str, str]:
    """The children's environment: compiled modules cached, outside the tree.

    A user's second start runs from compiled bytecode, the hello app's
    Textual as much as loopbeat's own modules; where the environment says
    not to write bytecode (``PYTHONDONTWRITEBYTECODE``), loopbeat would
    compile its modules at every start and Textual (compiled when it was
    installed) would not. Both are compiled into one cache of their own
    instead, by a first start of each that is not counted.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path)
    parser.add_argument(
        "--quick", action="store_true", help="one run of each: proves it runs (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp()) / "startup.sqlite3"
        subprocess.run(
            [sys.executable, "seed.py", "--db", str(db), "--books", "1000"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
    first_frame(HELLO)  # compiles its modules into the cache, not counted
    first_frame(LOOPBEAT, str(db), str(ROOT))
    hello, loopbeat = [], []
    for _ in range(args.runs):  # interleaved, so drift hits both alike
        hello.append(first_frame(HELLO))
        loopbeat.append(first_frame(LOOPBEAT, str(db), str(ROOT)))
    h, lb = statistics.median(hello), statistics.median(loopbeat)
    print(f"runs: {args.runs} each on a {SIZE[0]}x{SIZE[1]} pty, median process")
    print("start to first frame")
    print(f"textual hello : {h * 1000:6.0f} ms")
    print(f"loopbeat      : {lb * 1000:6.0f} ms")
    verdict = "PASS" if lb / h <= 1.5 else "MISS"
    print(f"ratio         : {lb / h:.2f}x  (target <= 1.5x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
