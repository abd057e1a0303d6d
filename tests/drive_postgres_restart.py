"""Runs the demo on a cluster the test owns, stopping and starting the server
between runs; prints one JSON line per run. Run by tests/test_postgres_faults.py.

    python tests/drive_postgres_restart.py URL CLUSTER_DIR
"""

import asyncio
import json
import sys
from pathlib import Path


async def main(url: str, root: Path) -> None:
    from demoapp.dburl import parse_database
    from tests.pgcluster import Cluster
    from tui.engine.bench import Bench
    from tui.engine.runs import RunSpec
    from tui.lessons.demo import demo_target
    from tui.lessons.patterns import POSTGRESQL, catalog

    patterns = catalog(POSTGRESQL)
    cluster = Cluster(root)
    names = ("async-for", "native-driver", "gather-native")

    async def round_of(phase: str) -> None:
        for name in names:
            result = await bench.run_now(RunSpec.of(patterns.find(name)))
            line = {
                "phase": phase,
                "pattern": name,
                "failed": result.judgement.failed,
                "verdict": result.verdict,
            }
            print(json.dumps(line), flush=True)

    async with Bench(demo_target(parse_database(url))) as bench:
        await round_of("up")
        await asyncio.to_thread(cluster.stop)
        await round_of("down")
        await asyncio.to_thread(cluster.start)
        await round_of("back")
        await round_of("again")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
