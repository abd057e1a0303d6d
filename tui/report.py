"""Headless mode: run patterns one after another and print what was measured.

The same engine as the UI (``PatternRunner`` with a ``LoopMonitor`` and a
``PingProbe``), without a screen: for CI, for rehearsing a talk, for a blog
post's table.
"""

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from demoapp import netsim
from tui.client import NOT_TO_BLAME, PatternResult, PatternRunner, PingProbe
from tui.export import Session, export_session, session_json, write_atomically
from tui.formatting import describe_threads, format_seconds
from tui.heartbeat import LoopMonitor
from tui.memory import freeze_survivors, thaw_survivors
from tui.patterns import Pattern

SETTLE = 0.2
"""Seconds of quiet between runs, so one run's tail does not colour the next."""


@dataclass(frozen=True)
class Experiment:
    """A pattern and how many concurrent requests fire it."""

    pattern: Pattern
    burst: int = 1

    @property
    def label(self) -> str:
        return (
            self.pattern.name
            if self.burst == 1
            else f"{self.pattern.name}:{self.burst}"
        )


@dataclass
class Report:
    """Everything one headless session measured."""

    experiments: list[Experiment]
    results: list[PatternResult]
    monitor: LoopMonitor
    probe: PingProbe
    seconds: float

    def runs_of(self, experiment: Experiment) -> list[PatternResult]:
        return [
            r
            for r in self.results
            if r.pattern == experiment.pattern.name and r.burst == experiment.burst
        ]


async def run_experiments(
    app, experiments: Sequence[Experiment], repeat: int = 1, interval: float = 0.005
) -> Report:
    """Run each experiment ``repeat`` times with the heartbeat and ping probe on."""
    freeze_survivors()  # a full collection would read as lag no pattern caused
    try:
        started = time.perf_counter()
        results: list[PatternResult] = []
        async with LoopMonitor(
            interval=interval, window=3600, excluded_files=NOT_TO_BLAME
        ) as monitor:
            probe = PingProbe(app)
            probe.start()
            try:
                await asyncio.sleep(SETTLE)
                runner = PatternRunner(app, monitor, probe)
                for experiment in experiments:
                    for _ in range(repeat):
                        results.append(
                            await runner.run(experiment.pattern, experiment.burst)
                        )
                        await asyncio.sleep(SETTLE)
            finally:
                await probe.stop()
    finally:
        thaw_survivors()
    return Report(
        list(experiments), results, monitor, probe, time.perf_counter() - started
    )


def summary_table(report: Report) -> Table:
    """One row per experiment: the typical (median-wall) run and the worst lag."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title="loopbeat: what the event loop felt (lag = how late the loop ran)",
    )
    table.add_column("pattern", no_wrap=True)
    for column in ("runs", "wall p50", "rows", "queries on"):
        table.add_column(column, justify="right", no_wrap=True)
    for column in ("loop max", "loop p99", "ping p99"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("verdict", ratio=1)
    for experiment in report.experiments:
        runs = report.runs_of(experiment)
        if not runs:
            continue
        typical = sorted(runs, key=lambda r: r.wall)[(len(runs) - 1) // 2]
        pings = [r.ping_p99 for r in runs if r.ping_p99 is not None]
        table.add_row(
            experiment.label,
            str(len(runs)),
            format_seconds(statistics.median(r.wall for r in runs)),
            f"{typical.rows:,}",
            describe_threads(typical.query_threads),
            format_seconds(max(r.loop_max_lag for r in runs)),
            format_seconds(statistics.median(r.loop_p99_lag for r in runs)),
            format_seconds(statistics.median(pings) if pings else None),
            typical.verdict,
        )
    return table


def session_of(report: Report, db_path: Path) -> Session:
    """The whole headless session: results, heartbeat samples, pings, stalls."""
    import django

    meta = {
        "database": str(db_path),
        "django": django.get_version(),
        "python": sys.version.split()[0],
        "latency_ms": netsim.latency_ms(),
        "seconds": report.seconds,
    }
    return Session.capture(report.results, report.monitor, report.probe, meta)


def run_headless(
    experiments: Sequence[Experiment],
    repeat: int,
    interval: float,
    db_path: Path,
    json_path: Path | None,
    export_dir: Path | None = None,
    console: Console | None = None,
) -> int:
    """Run the experiments on a fresh event loop, print the table, maybe export.

    ``json_path`` gets the session as JSON; ``export_dir`` gets it as JSON,
    CSV and a Chrome trace, named after the time the run finished.
    """
    from demoapp.asgi import application

    console = console or Console()
    if not console.is_terminal:
        console.width = max(console.width, 150)  # a file or pipe: never wrap rows
    report = asyncio.run(run_experiments(application, experiments, repeat, interval))
    console.print(summary_table(report))
    in_runs = sum(r.wall for r in report.results)
    console.print(
        f"{len(report.results)} runs in {report.seconds:.1f} s "
        f"({in_runs:.1f} s in the patterns, {report.seconds - in_runs:.1f} s "
        f"settling between them); simulated latency {netsim.latency_ms():g} ms; "
        f"heartbeat every {interval * 1000:g} ms ({report.monitor.mode} mode)"
    )
    cost = report.monitor.own_cost
    console.print(
        f"the monitor's own work: {cost.ticks:,} ticks recorded in "
        f"{format_seconds(cost.loop_seconds)} of loop time "
        f"({cost.loop_seconds / report.seconds:.2%} of the run); its watchdog "
        f"thread used {format_seconds(cost.watchdog_cpu_seconds)} of CPU"
    )
    session = session_of(report, db_path)
    if json_path is not None:
        write_atomically(json_path, json.dumps(session_json(session), indent=1))
        console.print(f"wrote {json_path}")
    if export_dir is not None:
        stem = time.strftime("loopbeat-%Y%m%d-%H%M%S")
        for path in export_session(session, export_dir, stem):
            console.print(f"wrote {path}")
    return 0
