"""Verdict stability: every pattern N times, headless and live, quiet and loaded.

Run: ``python benchmarks/verdict_stability.py [--runs 20] [--hogs 0,1,2]
[--modes headless,live] [--patterns A,B:N] [--db PATH | --database URL]
[--quick]`` (``--quick``: the control case twice in each mode, no hog).
``--database`` takes a SQLite path or a ``postgresql://`` URL (seeded with
``seed.py``): the patterns are then that backend's.

For each number of CPU hogs (processes spinning beside it: 0 quiet, 1, 2 =
both cores of a 2-core machine busy) and each mode (headless: a ``Bench``;
live: ``python -m tui`` drawing on a real pseudo-terminal at 160x45, driven
by Textual's pilot from inside), every pattern runs ``--runs`` times. Printed
per pattern: the verdict counts, the worst loop lag (median and range), the
loop's CPU split between the demo, the screen and loopbeat (median share of
the run), how often the machine was said to be busy, and the stall lines
the runs showed, by main cause.

Targets (issue "honest instrument"):

* each pattern's verdict the same in at least 19 of 20 runs in every condition;
* calibration ``sleep-await`` "kept beating" in 20 of 20 in the live app;
* in the live app, a run's demo loop time within max(2 ms, 20 %) of headless.
"""

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ptyrun import run_on_pty

DEFAULT_PATTERNS = (
    "sleep-block,sleep-await,sync-guarded,sync-unguarded,async-for,async-stream,"
    "async-get-count,"
    "sync-to-async,sync-view,native-driver,n-plus-one,prefetched,gather-orm,"
    "gather-native,gather-shared,native-chunked,async-for:5"
)
SETTLE = 0.2
STALL_CAUSE_LETTERS = {"working": "w", "starved": "s", "blocked": "b"}
STALL_CAUSE_LETTERS["machine busy"] = "m"
"""Stall lines are counted by main cause: w working, s starved, b blocked in
a system call, m machine busy (the loop, or the GIL's holder, queued)."""
SIZE = (160, 45)


def summary(result) -> dict:
    """The figures of one run this benchmark reads."""
    causes = result.causes
    wall = max(result.wall, 1e-9)
    return {
        "label": result.label,
        "kind": result.judgement.kind,
        "machine_busy": result.judgement.machine_busy is not None,
        "max_lag": result.loop_max_lag,
        "starved": causes.split.starved if causes else 0.0,
        "demo_cpu": causes.cpu.get("demo", 0.0) if causes else 0.0,
        # The main cause of each stall line the run showed.
        "stall_causes": [stall.cause for stall in result.stalls],
        "shares": {
            owner: (causes.cpu.get(owner, 0.0) / wall if causes else 0.0)
            for owner in ("demo", "screen", "loopbeat")
        },
    }


async def headless(database, labels: list[str], runs: int) -> list[dict]:
    from tui.engine.bench import Bench
    from tui.engine.runs import RunSpec
    from tui.lessons.demo import demo_target
    from tui.lessons.patterns import catalog

    rows = []
    async with Bench(demo_target(database), window=3600) as bench:
        await asyncio.sleep(SETTLE)
        for label in labels:
            spec = RunSpec.parse(label, catalog=catalog(database.backend).find)
            for _ in range(runs):
                rows.append(summary(await bench.run_now(spec)))
                await asyncio.sleep(SETTLE)
    return rows


LIVE_CHILD = """
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from benchmarks.verdict_stability import summary
from demoapp.dburl import resolve_database
from tui.ui.app import LoopbeatApp
from tui.lessons.demo import demo_target
from tui.lessons.patterns import catalog
from tui.engine.runs import RunSpec

labels = sys.argv[2].split(",")
runs, out = int(sys.argv[3]), sys.argv[4]
database = resolve_database(None)  # LOOPBEAT_DATABASE_URL: no password in argv
patterns = catalog(database.backend)
find = patterns.find
rows = []

async def pilot(p):
    app = p.app
    await app.workers.wait_for_complete()  # Django set up, warmed up
    for label in labels:
        spec = RunSpec.parse(label, catalog=find)
        for _ in range(runs):
            before = app.bench.runs_in_flight
            app.main.pattern_list.select_pattern(spec.pattern)
            # As a key would: a request the app decides on, drawn as it runs.
            assert app.request_runs([spec])
            await p.pause()
            await app.workers.wait_for_complete()
            rows.append(summary(app.results[-1]))
            await asyncio.sleep(%(settle)s)
    Path(out).write_text(json.dumps(rows))
    app.exit()

LoopbeatApp(demo_target(database), catalog=patterns).run(auto_pilot=pilot)
"""


def live(database, labels: list[str], runs: int) -> list[dict]:
    """Run the app on a pseudo-terminal; its pilot writes the runs to a file."""
    out = Path(tempfile.mkdtemp()) / "live.json"
    root = str(Path(__file__).resolve().parent.parent)
    code = LIVE_CHILD % {"settle": SETTLE}
    argv = [sys.executable, "-c", code, root, ",".join(labels), str(runs)]
    env = {**os.environ, "LOOPBEAT_DATABASE_URL": database.url}
    run_on_pty([*argv, str(out)], *SIZE, env=env)
    if not out.exists():
        raise SystemExit("the live app ended without writing its runs")
    return json.loads(out.read_text())


def report(title: str, rows: list[dict], labels: list[str], runs: int) -> dict:
    """Print one condition's table; return per label the demo CPU median."""
    print(f"\n{title}")
    print(
        f"  {'pattern':<17} {'verdicts':<34} {'max lag p50 [min-max]':<26}"
        f" {'starved p50 [min-max]':<24}"
        f" {'demo/screen/loopbeat':<22} {'machine busy':<13} stall lines"
    )
    stable_all, demo_cpu = True, {}
    for label in labels:
        mine = [r for r in rows if r["label"] == label]
        kinds = Counter(r["kind"] for r in mine)
        top = kinds.most_common(1)[0][1] if kinds else 0
        stable = top >= runs - runs // 20  # 19 of 20
        stable_all &= stable
        lags = sorted(r["max_lag"] * 1000 for r in mine)
        shares = "/".join(
            f"{statistics.median(r['shares'][o] for r in mine):.0%}"
            for o in ("demo", "screen", "loopbeat")
        )
        verdicts = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
        lag = f"{statistics.median(lags):.1f} [{lags[0]:.1f}-{lags[-1]:.1f}] ms"
        starves = sorted(r["starved"] * 1000 for r in mine)
        starve = (
            f"{statistics.median(starves):.0f} [{starves[0]:.0f}-{starves[-1]:.0f}] ms"
        )
        busy = sum(r["machine_busy"] for r in mine)
        causes = Counter(c for r in mine for c in r.get("stall_causes", ()))
        lines = " ".join(
            f"{STALL_CAUSE_LETTERS.get(c, '?')}{n}" for c, n in sorted(causes.items())
        )
        mark = "" if stable else "  UNSTABLE"
        print(
            f"  {label:<17} {verdicts:<34} {lag:<26} {starve:<24} {shares:<22}"
            f" {f'{busy}/{len(mine)}':<13} {lines or '-'}"
            f"{mark}"
        )
        demo_cpu[label] = statistics.median(r["demo_cpu"] for r in mine)
    print(
        f"  every verdict the same in >= 19 of 20: {'PASS' if stable_all else 'MISS'}"
    )
    return demo_cpu


@contextlib.contextmanager
def hogs(count: int):
    procs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(count)
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hogs", default="0,1,2")
    parser.add_argument("--modes", default="headless,live")
    parser.add_argument("--patterns", default=DEFAULT_PATTERNS)
    parser.add_argument("--db", type=Path, help="a SQLite file (seeded if missing)")
    parser.add_argument("--database", help="a SQLite path or a postgresql:// URL")
    parser.add_argument(
        "--quick", action="store_true", help="the control twice: proves it runs (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.runs, args.hogs, args.patterns = 2, "0", "sleep-await"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from demoapp.bootstrap import as_database, configure_django
    from demoapp.dburl import parse_database
    from tui.cli_demo import prepare_database
    from tui.instrument.memory import limit_malloc_arenas

    if args.database:
        database = parse_database(args.database)
    else:
        database = as_database(
            args.db
            or Path(os.environ.get("LOOPBEAT_DB") or tempfile.mkdtemp() + "/bench.db")
        )
    if problem := prepare_database(database):
        raise SystemExit(problem)
    labels = args.patterns.split(",")
    limit_malloc_arenas()
    configure_django(database)
    print(
        f"{args.runs} runs of each pattern; database {database.masked};"
        f" cpus {os.cpu_count()}"
    )
    for count in (int(n) for n in args.hogs.split(",")):
        medians = {}
        with hogs(count):
            for mode in args.modes.split(","):
                started = time.monotonic()
                if mode == "headless":
                    rows = asyncio.run(headless(database, labels, args.runs))
                else:
                    rows = live(database, labels, args.runs)
                took = time.monotonic() - started
                title = f"{mode}, {count} CPU hog(s) ({took:.0f} s)"
                medians[mode] = report(title, rows, labels, args.runs)
                if mode == "live":
                    control = [r for r in rows if r["label"] == "sleep-await"]
                    kept = sum(r["kind"] == "kept beating" for r in control)
                    ok = kept == len(control)
                    print(
                        f"  sleep-await kept beating {kept}/{len(control)}:"
                        f" {'PASS' if ok else 'MISS'}"
                    )
        if {"headless", "live"} <= medians.keys():
            worst, name, pair = 0.0, "", (0.0, 0.0)
            for label in labels:
                quiet, drawn = medians["headless"][label], medians["live"][label]
                bound = max(0.002, 0.2 * quiet)
                if abs(drawn - quiet) / bound > worst:
                    worst, name = abs(drawn - quiet) / bound, label
                    pair = (quiet, drawn)
            verdict = "PASS" if worst <= 1 else "MISS"
            print(
                f"  demo loop time live vs headless, worst against max(2 ms, 20 %):"
                f" {worst:.2f}x, {name} {pair[0] * 1000:.1f} ms headless vs"
                f" {pair[1] * 1000:.1f} ms live ({verdict})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
