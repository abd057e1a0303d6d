"""Soak: the app driven through the guided tour, over and over, headless.

Run: ``python benchmarks/soak.py [--minutes 10] [--db PATH] [--quick]``
(``--quick``: ten seconds, a report every three). Prints RSS at
the start and every minute (or every ``--report-every`` seconds), with the
heartbeat samples, busy periods, results and stalls kept, against their
bounds, and the memory blocks Python has allocated (``sys.getallocatedblocks``):
flat blocks with rising RSS mean the C allocator is holding freed memory, not
that Python objects leak. Target: RSS growth under 5 MB after the first
minute; every buffer within its bound.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from demoapp.bootstrap import configure_django
from demoapp.seeding import SeedSizes, build_database


def rss_mb() -> float:
    """Resident set size of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def soak(db_path: Path, seconds: float, report_every: float) -> bool:
    from tui.engine.bench import MAX_RESULTS, PING_CAPACITY
    from tui.lessons.demo import demo_target
    from tui.lessons.patterns import PATTERNS
    from tui.ui.app import LoopbeatApp
    from tui.ui.widgets.tour_panel import TourPanel

    app = LoopbeatApp(demo_target(db_path), catalog=PATTERNS)
    async with app.run_test(size=(160, 45)) as pilot:
        await app.workers.wait_for_complete()
        started = time.monotonic()
        next_report = started
        baseline: float | None = None
        laps = 0
        ok = True
        print(
            " minute   RSS MB  growth   py blocks  samples/cap  busy/cap"
            "     pings/cap  results/cap  stalls/cap  tour laps"
        )
        while True:
            now = time.monotonic()
            if now >= next_report:
                monitor, probe = app.bench.monitor, app.bench.probe
                assert monitor is not None and probe is not None
                samples = len(monitor.samples(since=float("-inf")))
                busy = len(monitor.busy_periods(since=float("-inf")))
                pings = len(probe.samples())
                growth = 0.0 if baseline is None else rss_mb() - baseline
                print(
                    f"{(now - started) / 60:7.1f} {rss_mb():8.1f} {growth:+7.1f}"
                    f" {sys.getallocatedblocks():>11,}"
                    f" {samples:>6}/{monitor.capacity:<6}"
                    f" {busy:>6}/{monitor.capacity:<6}"
                    f" {pings:>5}/{PING_CAPACITY:<6}"
                    f" {len(app.results):>5}/{MAX_RESULTS:<6}"
                    f" {len(monitor.stalls):>4}/{monitor.max_stalls:<6} {laps:>6}",
                    flush=True,
                )
                ok &= (
                    samples <= monitor.capacity
                    and busy <= monitor.capacity + 1  # + the one going on now
                    and pings <= PING_CAPACITY
                    and len(app.results) <= MAX_RESULTS
                )
                if baseline is None and now - started >= min(60, report_every):
                    baseline = rss_mb()
                next_report += report_every
            if now - started >= seconds:
                break
            await pilot.press("o")
            panel = app.query_one(TourPanel)
            while True:
                await pilot.press("space")
                await app.workers.wait_for_complete()
                tour = panel.tour
                if tour is None or (tour.at_end and tour.result is not None):
                    break
                if time.monotonic() - started >= seconds:
                    break
            await pilot.press("escape")
            laps += 1
        growth = rss_mb() - (baseline or rss_mb())
    print(f"buffers within bounds: {ok}")
    if seconds < 120:
        print("(the RSS target needs a run of two minutes or more: buffers fill first)")
        return ok
    verdict = "PASS" if growth < 5 else "MISS"
    print(
        f"RSS growth after the first report: {growth:+.1f} MB (target < 5 MB) {verdict}"
    )
    return ok and growth < 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--report-every", type=float, default=60.0, metavar="S")
    parser.add_argument("--db", type=Path)
    parser.add_argument(
        "--quick", action="store_true", help="ten seconds: proves it runs (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.report_every = 10 / 60, 3.0
    db_path = args.db or Path(tempfile.mkdtemp()) / "soak.sqlite3"
    configure_django(db_path)
    if args.db is None:
        build_database(db_path, SeedSizes(authors=200, books=20_000, reviews=20_000))
    ok = asyncio.run(soak(db_path, args.minutes * 60, args.report_every))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
