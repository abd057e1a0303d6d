"""Memory of a burst of full-table fetches: its peak, what stays, and why.

Run: ``python benchmarks/burst_memory.py [--bursts 6] [--pattern native-driver:20]
[--db PATH] [--quick]``. A headless session (a ``Bench``, the monitor and the
ping probe running, as in the app) runs the burst ``--bursts`` times. Printed
per burst: the process's peak RSS during it (``VmHWM``, reset before each),
its RSS after, and how many of Python's 1 MiB small-object arenas are still
allocated beside the bytes actually in use in them; at the end, what
``malloc_trim`` gives back. Linux only (``/proc/self``).

A burst of 20 aiosqlite fetches of 100,000 rows holds 20 result sets at once:
the peak is the demo's. What stays after it is the allocator's: an arena is
returned only when every object in it is gone, and a few long-lived objects
made while the burst filled memory (the heartbeat's ticks, pings, Django's
own) keep hundreds of mostly empty arenas, which ``malloc_trim`` (glibc's
heap) cannot reach.
"""

import argparse
import asyncio
import ctypes
import gc
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def status_mb(key: str) -> float:
    """A ``VmRSS:``-like figure of this process, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    """Start a new ``VmHWM`` from the current RSS (Linux 4.0 and later)."""
    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")


def arenas() -> tuple[int, float]:
    """Python's allocated arenas, and the MB in use in their blocks."""
    read, write = os.pipe()
    saved = os.dup(2)
    os.dup2(write, 2)  # _debugmallocstats writes to stderr
    try:
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(write)
    with os.fdopen(read) as file:
        text = file.read()
    count = re.search(r"# arenas allocated current\s*=\s*([\d,]+)", text)
    used = re.search(r"# bytes in allocated blocks\s*=\s*([\d,]+)", text)
    if count is None or used is None:
        return 0, 0.0
    return int(count[1].replace(",", "")), int(used[1].replace(",", "")) / 1e6


def malloc_trim() -> bool:
    """glibc's ``malloc_trim(0)``; False where there is none."""
    try:
        return bool(ctypes.CDLL(None).malloc_trim(0))
    except (OSError, AttributeError):
        return False


async def bursts(db: Path, label: str, count: int) -> None:
    from tui.engine.bench import Bench
    from tui.engine.runs import RunSpec
    from tui.lessons.demo import demo_target
    from tui.lessons.patterns import find

    spec = RunSpec.parse(label, catalog=find)
    async with Bench(demo_target(db)) as bench:
        await asyncio.sleep(0.5)
        print(f"{label}, {count} time(s); before: RSS {status_mb('VmRSS:'):.0f} MB")
        print(
            f"{'burst':>5} {'wall':>6} {'peak RSS':>9} {'RSS after':>10}"
            "  arenas (in use)"
        )
        for number in range(1, count + 1):
            reset_peak()
            result = await bench.run_now(spec)
            await asyncio.sleep(0.5)  # the view has returned, its rows are freed
            gc.collect()
            held, used = arenas()
            print(
                f"{number:>5} {result.wall:>5.1f}s {status_mb('VmHWM:'):>6.0f} MB"
                f" {status_mb('VmRSS:'):>7.0f} MB  {held} MiB ({used:.0f} MB)"
            )
        before = status_mb("VmRSS:")
        started = time.perf_counter()
        trimmed = malloc_trim()
        took = (time.perf_counter() - started) * 1000
        after = status_mb("VmRSS:")
        said = f"{before - after:.0f} MB in {took:.0f} ms" if trimmed else "nothing"
        print(f"malloc_trim(0) then gave back {said}: RSS {after:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=6)
    parser.add_argument("--pattern", default="native-driver:20")
    parser.add_argument("--db", type=Path)
    parser.add_argument(
        "--quick", action="store_true", help="one small burst: proves it runs (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.bursts, args.pattern = 1, "native-driver:2"
    from demoapp.bootstrap import configure_django
    from tui.cli_demo import prepare_database
    from tui.instrument.memory import limit_malloc_arenas

    db = args.db or Path(
        os.environ.get("LOOPBEAT_DB") or tempfile.mkdtemp() + "/bench.sqlite3"
    )
    if problem := prepare_database(db):
        raise SystemExit(problem)
    limit_malloc_arenas()  # as the app does
    configure_django(db)
    asyncio.run(bursts(db, args.pattern, args.bursts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
