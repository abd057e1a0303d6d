"""Idle cost of the full UI: heartbeat lag, and CPU against a bare Textual app.

Run: ``python benchmarks/ui_idle.py [--seconds 10] [--rounds 3] [--size 160x45]
[--db PATH] [--quick]``. Starts the app headless (``App.run_test``) on the
demo database, lets it idle, and prints the loop's lag percentiles (what the
monitor itself measured) and the process CPU use as a share of one core.

Then the yardstick: ``python -m tui`` for real on a pseudo-terminal and, at
the same time on another of the same size, a bare Textual app (a 5 ms
``asyncio.sleep`` tick and a ``Sparkline`` of its lag redrawn twice a second:
the least any live heartbeat display costs), each read as a terminal would.
Side by side, whatever else a shared machine does hits both alike; this is
done ``--rounds`` times. Printed: each one's CPU share of one core (median of
the rounds, from /proc) and the median of the rounds' ratios.
Targets: idle p99 lag under 3 ms; loopbeat at most 1.3x the bare app.
Linux only (the children's CPU is read from /proc).
"""

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demoapp.bootstrap import configure_django  # noqa: E402
from demoapp.seeding import SeedSizes, build_database  # noqa: E402

BARE_APP = """
import asyncio, time
from collections import deque
from textual.app import App
from textual.widgets import Sparkline

class Bare(App):
    def compose(self):
        yield Sparkline([0.0])

    async def tick(self):
        due = time.perf_counter() + 0.005
        while True:
            await asyncio.sleep(due - time.perf_counter())
            now = time.perf_counter()
            self.lags.append(now - due)
            due = now + 0.005

    def on_mount(self):
        self.lags = deque([0.0], maxlen=600)
        self.ticker = asyncio.create_task(self.tick())
        self.set_interval(0.5, self.frame)

    def frame(self):
        self.query_one(Sparkline).data = list(self.lags)

Bare().run()
"""
"""The yardstick: a 5 ms tick and a 2 fps sparkline of its lag, nothing else."""
SETTLE = 5.0
"""Seconds each app gets to start (and loopbeat to set Django up and run its
noise check) before its CPU is read."""


async def idle(db_path: Path, seconds: float, size: tuple[int, int]) -> None:
    from tui.lessons.demo import demo_target
    from tui.lessons.patterns import PATTERNS
    from tui.ui.app import LoopbeatApp

    app = LoopbeatApp(demo_target(db_path), catalog=PATTERNS)
    async with app.run_test(size=size):
        await asyncio.sleep(1.0)  # let start-up settle before measuring
        since = time.perf_counter()
        cpu_before = time.process_time()
        await asyncio.sleep(seconds)
        cpu = time.process_time() - cpu_before
        until = time.perf_counter()
        monitor = app.bench.monitor
        assert monitor is not None, "the app did not start its monitor"
        stats = monitor.stats(since=since, until=until)
        raw = monitor.stats(since=since, until=until, corrected=False)
    elapsed = until - since
    terminal = f"{size[0]}x{size[1]}"
    print(f"terminal {terminal}, idle {elapsed:.1f} s, monitor {monitor.mode}")
    print(f"ticks           : {raw.count}")
    print(f"lag p50 / p99   : {stats.p50 * 1000:.2f} / {stats.p99 * 1000:.2f} ms")
    print(f"lag max         : {stats.max * 1000:.2f} ms")
    print(f"loop busy       : {stats.utilization:.1%} of wall time")
    verdict = "PASS" if stats.p99 < 0.003 else "MISS"
    print(f"target p99 < 3 ms: {verdict}")
    print(f"process CPU     : {cpu / elapsed:.1%} of one core (headless)")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def terminal_cpu(
    argvs: list[list[str]], seconds: float, size: tuple[int, int]
) -> list[float]:
    """CPU share of one core each of ``argvs`` uses idling on a pty of ``size``.

    All run at once, each on a terminal of its own, and are read over the
    same seconds: whatever else the machine does meanwhile hits them alike.
    """
    children = []  # (pid, fd)
    for argv in argvs:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the app as a user starts it
            try:
                os.chdir(ROOT)
                os.execv(argv[0], argv)
            finally:
                os._exit(127)  # never run the parent's code in the child
        width, height = size
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        children.append((pid, fd))
    fds = [fd for _, fd in children]

    def drain(for_seconds: float) -> None:
        end = time.monotonic() + for_seconds
        while (left := end - time.monotonic()) > 0:
            for fd in select.select(fds, [], [], min(left, 0.1))[0]:
                try:
                    os.read(fd, 65536)
                except OSError:  # that child has closed its terminal
                    fds.remove(fd)

    try:
        drain(SETTLE)
        before = [_cpu_seconds(pid) for pid, _ in children]
        since = time.monotonic()
        drain(seconds)
        elapsed = time.monotonic() - since
        after = [_cpu_seconds(pid) for pid, _ in children]
        for pid, _ in children:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                raise SystemExit("an app exited during the measurement; run it by hand")
        return [(b - a) / elapsed for a, b in zip(before, after, strict=True)]
    finally:
        for pid, _ in children:
            with contextlib.suppress(ProcessLookupError):  # gone already
                os.kill(pid, signal.SIGTERM)
        drain(1.0)
        for pid, fd in children:
            with contextlib.suppress(ChildProcessError):  # reaped already
                os.waitpid(pid, 0)
            os.close(fd)


def against_bare(db_path: Path, seconds: float, rounds: int, size: tuple[int, int]):
    """Per round, (loopbeat, bare) CPU shares of one core, measured at once."""
    loopbeat_argv = [sys.executable, "-m", "tui", "--db", str(db_path)]
    bare_argv = [sys.executable, "-c", BARE_APP]
    loopbeat, bare = [], []
    for _ in range(rounds):
        lb, b = terminal_cpu([loopbeat_argv, bare_argv], seconds, size)
        loopbeat.append(lb)
        bare.append(b)
        print(f"  round {len(bare)}: loopbeat {lb:.2%}, bare {b:.2%}", flush=True)
    return loopbeat, bare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--size", default="160x45", help="terminal size, WxH")
    parser.add_argument(
        "--quick", action="store_true", help="a few seconds: proves it runs (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rounds = 1.0, 1
    db_path = args.db or Path(tempfile.mkdtemp()) / "bench.sqlite3"
    configure_django(db_path)
    if args.db is None:
        build_database(db_path, SeedSizes(authors=50, books=2_000, reviews=2_000))
    width, height = (int(n) for n in args.size.split("x"))
    asyncio.run(idle(db_path, args.seconds, (width, height)))
    print(f"on a terminal, {args.rounds} round(s) of {args.seconds:g} s, side by side:")
    loopbeat, bare = against_bare(db_path, args.seconds, args.rounds, (width, height))
    lb, b = statistics.median(loopbeat), statistics.median(bare)
    ratio = statistics.median(
        x / y if y > 0 else float("inf") for x, y in zip(loopbeat, bare, strict=True)
    )
    verdict = "PASS" if ratio <= 1.3 else "MISS"
    print(f"loopbeat        : {lb:.2%} of one core (median)")
    print(f"bare Textual app: {b:.2%} of one core (5 ms tick, 2 fps sparkline)")
    print(
        f"ratio           : {ratio:.2f}x, the rounds' median"
        f" (target <= 1.3x: {verdict})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
