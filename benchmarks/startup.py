"""Start-up: process start to first frame, loopbeat against a Textual "hello".

Run: ``python benchmarks/startup.py [--runs 5] [--db PATH]``. Each app starts in
a fresh process, headless, and reports when Textual hands it to its pilot (the
first frame is composed). Prints the median of each and their ratio, measured
in the same run. Target: loopbeat at most 1.5x the hello app.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HELLO = """
import sys, time
started = float(sys.argv[1])
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello")

async def pilot(p):
    print(time.time() - started)
    p.app.exit()

Hello().run(headless=True, auto_pilot=pilot)
"""

LOOPBEAT = """
import sys, time
started = float(sys.argv[1])
import tui.ui.app

real_run = tui.ui.app.LoopbeatApp.run

async def pilot(p):
    print(time.time() - started)
    p.app.exit()

tui.ui.app.LoopbeatApp.run = lambda self: real_run(
    self, headless=True, auto_pilot=pilot
)
from tui.cli import main
main(["--db", sys.argv[2]])
"""


def first_frame(code: str, *args: str) -> float:
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", code, repr(started), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp()) / "startup.sqlite3"
        subprocess.run(
            [sys.executable, "seed.py", "--db", str(db), "--books", "1000"],
            check=True,
            capture_output=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
    hello, loopbeat = [], []
    for _ in range(args.runs):  # interleaved, so drift hits both alike
        hello.append(first_frame(HELLO))
        loopbeat.append(first_frame(LOOPBEAT, str(db)))
    h, lb = statistics.median(hello), statistics.median(loopbeat)
    print(f"runs: {args.runs} each, median process start to first frame")
    print(f"textual hello : {h * 1000:6.0f} ms")
    print(f"loopbeat      : {lb * 1000:6.0f} ms")
    verdict = "PASS" if lb / h <= 1.5 else "MISS"
    print(f"ratio         : {lb / h:.2f}x  (target <= 1.5x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
