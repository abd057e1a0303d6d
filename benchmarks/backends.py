"""SQLite against PostgreSQL: the headless table for both, in one run.

Run: ``python benchmarks/backends.py [--database postgresql://...] [--repeat 3]
[--quick]``.

Each backend runs every pattern of its catalog (``--repeat`` times) at a
simulated latency of 0 and of 20 ms per statement, each in a process of its
own (``python -m tui --headless --json``), on the same seeded rows (the default
data set; ``--quick``: a small one and fewer patterns). Printed per pattern and
latency: the median wall time, where the queries ran and the typical verdict on
each backend, then the differences the room should see.

PostgreSQL: ``--database``, else ``$LOOPBEAT_TEST_DATABASE_URL``, else a
throwaway cluster started for the run (``tests/pgcluster.py``; its binaries
must be installed). A database given is seeded only if it holds no demo.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.pgcluster import Cluster, ClusterError  # noqa: E402

LATENCIES = (0, 20)
QUICK_PATTERNS = "async-for,native-driver,native-chunked,gather-native,gather-shared"
QUICK_SIZES = ("--authors=200", "--books=20000", "--reviews=2000")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def seeded(database: str, sizes: tuple[str, ...], force: bool) -> None:
    """Seed ``database`` unless it already holds the demo (or ``force``)."""
    if (
        not force
        and run("-m", "tui", "--database", database, "--check").returncode == 0
    ):
        return
    done = run(
        "seed.py", "--database", database, *sizes, *(["--force"] if force else [])
    )
    if done.returncode != 0:
        raise SystemExit(f"seeding failed: {done.stderr.strip()}")


def measure(database: str, latency: int, patterns: str | None, repeat: int) -> list:
    out = Path(tempfile.mkdtemp()) / "runs.json"
    argv = ["-m", "tui", "--database", database, "--headless", "--json", str(out)]
    argv += ["--latency-ms", str(latency), "--repeat", str(repeat)]
    if patterns:
        argv += ["--patterns", patterns]
    done = run(*argv)
    if done.returncode != 0:
        raise SystemExit(f"the headless run failed: {done.stderr.strip()[-400:]}")
    return json.loads(out.read_text())["results"]


def typical(runs: list[dict]) -> dict:
    kinds = Counter(run["verdict_kind"] for run in runs)
    threads = Counter(
        "loop"
        if set(run["query_threads"]) == {"MainThread"}
        else f"{len(set(run['query_threads']))} thread(s)"
        if run["query_threads"]
        else "-"
        for run in runs
    )
    return {
        "wall": statistics.median(run["wall"] for run in runs),
        "lag": statistics.median(run["loop_max_lag"] for run in runs),
        "kind": kinds.most_common(1)[0][0],
        "kinds": f"{kinds.most_common(1)[0][1]}/{len(runs)}",
        "threads": threads.most_common(1)[0][0],
    }


def table(results: dict) -> None:
    labels = list(dict.fromkeys(run["label"] for run in results["SQLite", 0]))
    for latency in LATENCIES:
        print(f"\nsimulated latency {latency} ms per statement")
        print(
            f"  {'pattern':<16} {'SQLite wall':>11} {'PG wall':>9} {'PG/SQLite':>9}"
            f"  {'queries ran on (SQLite | PG)':<30} verdicts (SQLite | PG)"
        )
        for label in labels:
            sides = {
                backend: typical(
                    [r for r in results[backend, latency] if r["label"] == label]
                )
                for backend in ("SQLite", "PostgreSQL")
            }
            lite, pg = sides["SQLite"], sides["PostgreSQL"]
            ratio = pg["wall"] / lite["wall"] if lite["wall"] else float("nan")
            where = f"{lite['threads']} | {pg['threads']}"
            verdicts = f"{lite['kind']} {lite['kinds']} | {pg['kind']} {pg['kinds']}"
            walls = f"{lite['wall'] * 1000:>9.1f}ms {pg['wall'] * 1000:>7.1f}ms"
            print(f"  {label:<16} {walls} {ratio:>8.2f}x  {where:<30} {verdicts}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="a PostgreSQL URL (else one is started)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small data, 5 patterns")
    args = parser.parse_args()
    patterns = QUICK_PATTERNS if args.quick else None
    repeat = 1 if args.quick else args.repeat
    sizes = QUICK_SIZES if args.quick else ()
    work = Path(tempfile.mkdtemp(prefix="loopbeat-backends-"))
    cluster = None
    url = args.database or os.environ.get("LOOPBEAT_TEST_DATABASE_URL")
    try:
        if not url:
            cluster = Cluster(Path(tempfile.mkdtemp(prefix="loopbeat-pg-", dir="/tmp")))
            try:
                url = cluster.create()
            except ClusterError as error:
                raise SystemExit(f"no PostgreSQL to compare with: {error}") from None
        sqlite = str(work / "demo.sqlite3")
        seeded(sqlite, sizes, force=False)
        # Ours (a cluster started here, the tests' server) may be reseeded to
        # hold the same rows as the SQLite file; a database given is seeded
        # only if it holds no demo.
        seeded(url, sizes, force=args.database is None)
        print(
            f"{'quick: ' if args.quick else ''}every pattern x{repeat} on each "
            f"backend, latency {' and '.join(map(str, LATENCIES))} ms; cpus "
            f"{os.cpu_count()}"
        )
        results = {
            (backend, latency): measure(database, latency, patterns, repeat)
            for latency in LATENCIES
            for backend, database in (("SQLite", sqlite), ("PostgreSQL", url))
        }
        table(results)
    finally:
        if cluster is not None:
            cluster.stop()
            shutil.rmtree(cluster.root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
