"""Headless mode on your own project: its paths measured, judged by a budget.

For CI: each path runs ``--repeat`` times on one bench, after a noise check
that says whether the machine can be trusted, and the middleware audit runs
on the first path that answered. Each path ends in one outcome:

========== =================================================================
pass        within every budget given
over        its own code held the loop longer than ``--max-lag``, or a
            request made more hops than ``--max-hops``
failed      it answered an error (a status of 400 or more, or it raised)
unmeasured  the machine was too busy to trust the figures: the noise check
            said so, or a stall over the budget was the machine's own
========== =================================================================

The exit status: 1 if any path is over or failed, else 2 if any is
unmeasured, else 0. ``--json`` writes the report in the shape of
``tui/output/report.schema.json``.
"""

import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tui.engine.audit import MiddlewareCost, audit
from tui.engine.bench import Bench
from tui.engine.middleware import hop_name, project_middleware
from tui.engine.noise import measure_noise
from tui.engine.patches import owning_the_loop
from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.engine.target import Target
from tui.engine.wrapper import RecordingApp
from tui.instrument.archive import ArchiveUnavailable
from tui.instrument.formatting import format_seconds
from tui.instrument.printable import printable
from tui.output.files import write_atomically
from tui.output.progress import RunProgress, console_for_progress
from tui.output.project_json import report_json
from tui.output.project_outcome import (
    FAILED,
    OVER,
    OWN_CAUSES,
    PASS,
    UNMEASURED,
    Budget,
    PathOutcome,
    ProjectReport,
)
from tui.output.report import Report, measure


def judge_path(
    spec: RunSpec, runs: Sequence[RunResult], budget: Budget, quiet: bool
) -> PathOutcome:
    """One path's outcome from its runs, the budget and the noise check."""
    stalls = [s for r in runs for s in r.stalls]
    own = [s for s in stalls if s.cause in OWN_CAUSES]
    worst = max(own, key=lambda s: s.duration, default=None)
    hops = max((r.thread_hops / max(1, r.burst) for r in runs), default=0.0)
    failures = [r for r in runs if r.error or r.status >= 400]
    if failures:
        first = failures[0]
        why = (first.error or f"HTTP {first.status}").splitlines()[0]
        return PathOutcome(spec, tuple(runs), FAILED, (why,), worst, hops)
    reasons = []
    limit = budget.max_lag_ms
    if limit is not None and worst is not None and worst.duration * 1000 > limit:
        reasons.append(f"{worst.text} (budget {limit:g} ms)")
    if budget.max_hops is not None and hops > budget.max_hops:
        reasons.append(f"{hops:.0f} thread hops a request (budget {budget.max_hops})")
    machines = [
        s
        for s in stalls
        if s.cause not in OWN_CAUSES and limit is not None and s.duration * 1000 > limit
    ]
    if not quiet:
        return PathOutcome(
            spec, tuple(runs), UNMEASURED, ("the machine was busy",), worst, hops
        )
    if reasons:
        return PathOutcome(spec, tuple(runs), OVER, tuple(reasons), worst, hops)
    if machines:
        why = f"{machines[0].text}: the machine's, not the code's"
        return PathOutcome(spec, tuple(runs), UNMEASURED, (why,), worst, hops)
    return PathOutcome(spec, tuple(runs), PASS, (), worst, hops)


async def measure_project(
    target: Target,
    specs: Sequence[RunSpec],
    budget: Budget,
    repeat: int,
    interval: float,
    latency_ms: float,
    progress: Any = None,
) -> ProjectReport:
    """Noise check, the paths, then the audit, on one bench."""
    report = Report(list(specs), latency_ms=latency_ms)
    project = ProjectReport(target, budget, report)

    async def before(bench: Bench) -> None:
        project.noise = await measure_noise(bench)

    async def after(bench: Bench) -> None:
        answered = next((r for r in report.results if r.status < 400), None)
        if answered is None:
            return
        project.audit_path = answered.spec.label
        project.middleware = await audit(
            project_middleware(),
            answered.spec,
            lambda spec, app: bench.run_unrecorded(spec, app),
            RecordingApp,
        )

    await measure(report, target, repeat, interval, progress, before, after)
    quiet = project.noise is not None and project.noise.quiet
    project.paths = [
        judge_path(spec, report.runs_of(spec), budget, quiet)
        for spec in specs
        if report.runs_of(spec)
    ]
    return project


def run_project_headless(
    target: Target,
    specs: Sequence[RunSpec],
    *,
    repeat: int,
    interval: float,
    latency_ms: float,
    budget: Budget,
    json_path: Path | None,
    console: Console | None = None,
) -> int:
    """Measure, print the tables and the outcome, write the JSON; the exit code."""
    console = console or Console()
    if not console.is_terminal:
        console.width = max(console.width, 160)  # a CI log: never wrap rows
    started = time.time()
    with RunProgress(console_for_progress(), latency_ms) as progress:
        try:
            project = asyncio.run(
                owning_the_loop(
                    measure_project(
                        target,
                        specs,
                        budget,
                        repeat,
                        interval,
                        latency_ms,
                        progress.show,
                    )
                )
            )
        except KeyboardInterrupt:
            console.print("loopbeat: interrupted: nothing judged", markup=False)
            return 130
        except ArchiveUnavailable as error:
            print(f"loopbeat: error: {error}", file=sys.stderr)
            return 2
    print_project(console, project)
    if json_path is not None:
        data = report_json(project, started)
        try:
            write_atomically(json_path, json.dumps(data, indent=2) + "\n")
        except OSError as error:
            console.print(
                printable(f"loopbeat: error: could not write {json_path}: {error}"),
                markup=False,
            )
            return 2
    return project.exit_code


def print_project(console: Console, project: ProjectReport) -> None:
    """The paths table, where the hops came from, the audit, the outcome."""
    facts = project.target.describe
    console.print(
        Text(
            printable(
                f"{project.target.name} · {project.target.settings_module} · "
                f"{facts.get('database', '')} · DEBUG {facts.get('debug', '?')} · "
                f"Host {facts.get('host', '?')}"
            )
        )
    )
    if project.noise is not None:
        console.print(Text(printable(project.noise.sentence()), style="dim"))
    console.print(paths_table(project.paths))
    if project.paths:
        first = project.paths[0]
        console.print(Text(printable(f"hops of {first.spec.label}: {hop_line(first)}")))
    if project.middleware:
        console.print(audit_table(project.middleware, project.audit_path))
    for path in project.paths:
        for reason in path.reasons:
            console.print(
                Text(printable(f"{path.outcome}: {path.spec.label}: {reason}"))
            )
    counts = Counter(p.outcome for p in project.paths)
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    console.print(
        Text(
            printable(
                f"loopbeat: {summary or 'nothing measured'} (exit {project.exit_code})"
            )
        )
    )


def paths_table(paths: Sequence[PathOutcome]) -> Table:
    """One row per path: its typical run and the worst stall of its own code."""
    table = Table(box=box.SIMPLE_HEAD, title="your paths on the event loop")
    for column in ("path", "runs", "status", "wall p50", "hops", "queries on"):
        table.add_column(
            column, no_wrap=True, justify="left" if column == "path" else "right"
        )
    table.add_column("verdict (typical run)", ratio=2)
    table.add_column("worst stall of its own", ratio=2)
    table.add_column("outcome", no_wrap=True)
    for path in paths:
        typical = path.typical
        threads = sorted({t for r in path.runs for t in r.query_threads})
        table.add_row(
            Text(printable(path.spec.label)),
            str(len(path.runs)),
            str(typical.status),
            format_seconds(statistics.median(r.wall for r in path.runs)),
            f"{path.hops:.0f}",
            f"{typical.queries} on {len(threads)} thread{'s' * (len(threads) != 1)}",
            Text(printable(typical.verdict)),
            Text(printable(path.worst.text if path.worst else "none over 50 ms")),
            Text(path.outcome, style=_style(path.outcome)),
        )
    return table


def audit_table(costs: Sequence[MiddlewareCost], path: str | None) -> Table:
    """Each class of MIDDLEWARE, in order: how it runs, its hops, without it."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title=printable(f"middleware, measured on {path}" if path else "middleware"),
    )
    table.add_column("class", no_wrap=True)
    table.add_column("how Django runs it under ASGI", ratio=2)
    table.add_column("hops", justify="right", no_wrap=True)
    table.add_column("the same request without it", ratio=2)
    for cost in costs:
        table.add_row(
            Text(printable(cost.middleware.name)),
            Text(printable(cost.how)),
            f"{cost.hops:.0f}",
            Text(printable(cost.finding)),
        )
    return table


def hop_line(path: PathOutcome) -> str:
    """``15 a request: request_started, SessionMiddleware x2, ..., close``."""
    span = path.typical.requests[0] if path.typical.requests else None
    if span is None:
        return "none"
    counts: Counter[str] = Counter()
    for hop in span.record.hops:
        counts[hop_name(hop.caller)] += 1
    parts = [f"{name} x{n}" if n > 1 else name for name, n in counts.items()]
    return f"{len(span.record.hops)} a request: {', '.join(parts)}"


def _style(outcome: str) -> str:
    return {PASS: "green", OVER: "bold red", FAILED: "bold red"}.get(outcome, "yellow")
