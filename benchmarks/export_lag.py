"""What pressing ``w`` (export) does to the loop it measures.

Run: ``python benchmarks/export_lag.py [--minutes 30] [--exports 3] [--db PATH]
[--quick]``. The live app runs on a pseudo-terminal of 160x45; its archive is
given ``--minutes`` of heartbeat and pings (as a talk of that length leaves
it) and 200 runs, then it exports the session ``--exports`` times, as ``w``
does, pausing between. Printed per export: how long it took, the worst loop
lag and ping while it was written, and the longest stall charged to it (the
loop working, or starved by another thread of ours), with its culprit.
Target: no stall of 50 ms or more charged to an export.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ptyrun import run_on_pty

CHILD = """
import asyncio, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tui.engine.runs import RunSpec
from tui.instrument.loopstats import Sample
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS, find
from tui.ui.app import LoopbeatApp

db, minutes, exports = Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
out, export_dir = Path(sys.argv[5]), Path(sys.argv[6])

async def pilot(p):
    app = p.app
    await app.workers.wait_for_complete()  # Django set up, warmed up
    bench = app.bench
    ticks = int(minutes * 60 / 0.005)
    for i in range(ticks):  # what a talk of that length leaves in the archive
        bench.record.archive.add_tick(Sample(i * 0.005, 0.0002))
        if i % 100 == 0:
            bench.record.archive.add_ping(i * 0.005, 0.002)
    app.request_runs([RunSpec.of(find("sleep-await"))])
    await p.pause()
    await app.workers.wait_for_complete()
    bench.results.extend([bench.results[-1]] * 199)
    await asyncio.sleep(1)
    rows = []
    for _ in range(exports):
        before = {id(s) for s in bench.monitor.stalls}
        started = time.perf_counter()
        app.action_export()
        await p.pause()
        await app.workers.wait_for_complete()
        ended = time.perf_counter()
        await asyncio.sleep(0.2)  # the last stall and ping are in
        stats = bench.monitor.stats(since=started, until=ended)
        pings = [s.latency for s in bench.probe.samples(started, ended)]
        charged = [
            s for s in bench.monitor.stalls
            if id(s) not in before and s.split is not None
            and s.split.main in ("working", "starved")
        ]
        worst = max(charged, key=lambda s: s.duration or 0, default=None)
        rows.append({
            "seconds": ended - started,
            "lag_max": max(stats.max, bench.monitor.max_block(started, ended)),
            "ping_max": max(pings, default=0.0),
            "stall": (worst.duration or 0) if worst else 0.0,
            "culprit": (worst.culprit or worst.innermost_frame) if worst else "",
        })
        await asyncio.sleep(1)
    out.write_text(json.dumps(rows))
    app.exit()

app = LoopbeatApp(demo_target(db), catalog=PATTERNS, export_dir=export_dir)
app.run(auto_pilot=pilot)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--exports", type=int, default=3)
    parser.add_argument("--db", type=Path)
    parser.add_argument(
        "--quick", action="store_true", help="a small session: proves it runs (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.minutes, args.exports = 1.0, 1
    root = str(Path(__file__).resolve().parent.parent)
    sys.path.insert(0, root)
    from tui.cli_demo import prepare_database

    db = args.db or Path(
        os.environ.get("LOOPBEAT_DB") or tempfile.mkdtemp() + "/bench.sqlite3"
    )
    if problem := prepare_database(db):
        raise SystemExit(problem)
    out = Path(tempfile.mkdtemp()) / "exports.json"
    export_dir = tempfile.mkdtemp(prefix="loopbeat-exports-")
    argv = [sys.executable, "-c", CHILD, root, str(db), str(args.minutes)]
    run_on_pty([*argv, str(args.exports), str(out), export_dir], 160, 45)
    if not out.exists():
        raise SystemExit("the live app ended without writing its figures")
    rows = json.loads(out.read_text())
    print(
        f"{args.minutes:g} minutes of session, exported {len(rows)} time(s) at 160x45"
    )
    print(
        f"{'export':>6} {'took':>7} {'lag max':>9} {'ping max':>9}"
        "  longest stall charged"
    )
    worst = 0.0
    for number, row in enumerate(rows, 1):
        worst = max(worst, row["stall"])
        stall = (
            f"{row['stall'] * 1000:.0f} ms: {row['culprit']}" if row["stall"] else "-"
        )
        print(
            f"{number:>6} {row['seconds']:>6.2f}s {row['lag_max'] * 1000:>7.1f}ms"
            f" {row['ping_max'] * 1000:>7.1f}ms  {stall}"
        )
    verdict = "PASS" if worst < 0.05 else "MISS"
    print(f"no stall of 50 ms or more charged to an export: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
