"""Headless mode: run patterns one after another and print what was measured.

The same engine as the UI (a ``Bench``), without a screen: for CI, for
rehearsing a talk, for a blog post's table.
"""

import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from tui.bench import Bench
from tui.client import RunResult
from tui.export import (
    Session,
    export_session,
    export_stem,
    session_json,
    write_atomically,
)
from tui.formatting import describe_threads, format_seconds
from tui.heartbeat import LoopMonitor
from tui.runs import RunSpec

SETTLE = 0.2
"""Seconds of quiet between runs, so one run's tail does not colour the next."""
HEADLESS_WINDOW = 3600.0
"""Seconds of heartbeat history a headless session keeps (all of it, in practice)."""


@dataclass
class Report:
    """Everything one headless session measured."""

    specs: list[RunSpec]
    results: list[RunResult]
    monitor: LoopMonitor
    session: Session
    seconds: float
    latency_ms: float

    def runs_of(self, spec: RunSpec) -> list[RunResult]:
        """The results of every run of ``spec``."""
        return [r for r in self.results if r.label == spec.label]


async def measure(
    db_path: Path,
    specs: Sequence[RunSpec],
    repeat: int = 1,
    interval: float = 0.005,
    latency_ms: float = 0.0,
) -> Report:
    """Run each spec ``repeat`` times on a fresh ``Bench`` and collect it all."""
    started = time.perf_counter()
    results: list[RunResult] = []
    bench = Bench(
        db_path, interval=interval, window=HEADLESS_WINDOW, latency_ms=latency_ms
    )
    async with bench:
        await asyncio.sleep(SETTLE)
        for spec in specs:
            for _ in range(repeat):
                results.append(await bench.run_now(spec))
                await asyncio.sleep(SETTLE)
        seconds = time.perf_counter() - started
        session = bench.snapshot(seconds=seconds)
    assert bench.monitor is not None
    return Report(list(specs), results, bench.monitor, session, seconds, latency_ms)


def summary_table(report: Report) -> Table:
    """One row per experiment: the typical (median-wall) run and the worst lag."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title="loopbeat: what the event loop felt (lag = how late the loop ran)",
    )
    table.add_column("pattern", no_wrap=True)
    for column in ("runs", "wall p50", "rows", "queries on"):
        table.add_column(column, justify="right", no_wrap=True)
    for column in ("loop max", "loop p99", "ping p99", "demo on loop"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("verdict (the typical run)", ratio=1)
    for spec in dict.fromkeys(report.specs):
        runs = report.runs_of(spec)
        if not runs:
            continue
        typical = sorted(runs, key=lambda r: r.wall)[(len(runs) - 1) // 2]
        pings = [r.ping_p99 for r in runs if r.ping_p99 is not None]
        table.add_row(
            spec.label,
            str(len(runs)),
            format_seconds(statistics.median(r.wall for r in runs)),
            f"{typical.rows:,}",
            describe_threads(typical.query_threads),
            format_seconds(max(r.loop_max_lag for r in runs)),
            format_seconds(statistics.median(r.loop_p99_lag for r in runs)),
            format_seconds(statistics.median(pings) if pings else None),
            f"{statistics.median(_demo_share(r) for r in runs):.0%}",
            _verdicts(typical, runs),
        )
    return table


def _demo_share(result: RunResult) -> float:
    """The share of the run the loop thread spent on a CPU for the demo."""
    if result.causes is None or result.wall <= 0:
        return 0.0
    return result.causes.demo_cpu / result.wall


def _verdicts(typical: RunResult, runs: list[RunResult]) -> str:
    """The typical run's verdict, and how many runs agreed when not all did."""
    kind = typical.judgement.kind
    agreeing = sum(r.judgement.kind == kind for r in runs)
    if agreeing == len(runs):
        return typical.verdict
    return f"{typical.verdict} ({agreeing} of {len(runs)} runs {kind})"


def run_headless(
    specs: Sequence[RunSpec],
    repeat: int,
    interval: float,
    db_path: Path,
    json_path: Path | None,
    export_dir: Path | None = None,
    console: Console | None = None,
    latency_ms: float = 0.0,
) -> int:
    """Run the specs on a fresh event loop, print the table, maybe export.

    ``json_path`` gets the session as JSON; ``export_dir`` gets it as JSON,
    CSV and a Chrome trace, named after the time the run finished.
    """
    console = console or Console()
    if not console.is_terminal:
        console.width = max(console.width, 150)  # a file or pipe: never wrap rows
    report = asyncio.run(measure(db_path, specs, repeat, interval, latency_ms))
    console.print(summary_table(report))
    in_runs = sum(r.wall for r in report.results)
    console.print(
        f"{len(report.results)} runs in {report.seconds:.1f} s "
        f"({in_runs:.1f} s in the patterns, {report.seconds - in_runs:.1f} s "
        f"settling between them); simulated latency {report.latency_ms:g} ms; "
        f"heartbeat every {interval * 1000:g} ms ({report.monitor.mode} mode)"
    )
    cost = report.monitor.own_cost
    console.print(
        f"the monitor's own work: {cost.ticks:,} ticks recorded in "
        f"{format_seconds(cost.loop_seconds)} of loop time "
        f"({cost.loop_seconds / report.seconds:.2%} of the run); its watchdog "
        f"thread used {format_seconds(cost.watchdog_cpu_seconds)} of CPU"
    )
    session = report.session
    if json_path is not None:
        write_atomically(json_path, json.dumps(session_json(session), indent=1))
        console.print(f"wrote {json_path}")
    if export_dir is not None:
        for path in export_session(session, export_dir, export_stem()):
            console.print(f"wrote {path}")
    return 0
