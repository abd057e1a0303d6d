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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tui.engine.audit import MiddlewareCost, audit
from tui.engine.bench import Bench
from tui.engine.middleware import hop_name, project_middleware
from tui.engine.noise import NoiseReport, measure_noise
from tui.engine.patches import owning_the_loop
from tui.engine.results import RunResult, StallSummary
from tui.engine.runs import RunSpec
from tui.engine.target import Target
from tui.engine.wrapper import RecordingApp
from tui.instrument.archive import ArchiveUnavailable
from tui.instrument.formatting import format_seconds
from tui.instrument.loopstats import BLOCKED, STARVED, WORKING
from tui.instrument.printable import printable
from tui.output.files import write_atomically
from tui.output.progress import RunProgress, console_for_progress
from tui.output.report import Report, measure

PASS, OVER, FAILED, UNMEASURED = "pass", "over", "failed", "unmeasured"
OWN_CAUSES = (WORKING, BLOCKED, STARVED)
"""Stalls the path's own code caused; ``machine busy`` is the machine's."""
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Budget:
    """What a CI job allows a path (None: no limit of that kind)."""

    max_lag_ms: float | None = None
    max_hops: int | None = None


@dataclass(frozen=True)
class PathOutcome:
    """One path's runs, judged."""

    spec: RunSpec
    runs: tuple[RunResult, ...]
    outcome: str
    reasons: tuple[str, ...] = ()
    worst: StallSummary | None = None
    """The longest stall its own code caused (working, blocked, starved)."""
    hops: float = 0.0
    """Thread hops per request, the most of any run."""

    @property
    def typical(self) -> RunResult:
        """The run with the median wall time."""
        ordered = sorted(self.runs, key=lambda r: r.wall)
        return ordered[(len(ordered) - 1) // 2]


@dataclass
class ProjectReport:
    """What the headless session on a project measured and decided."""

    target: Target
    budget: Budget
    report: Report
    noise: NoiseReport | None = None
    middleware: list[MiddlewareCost] = field(default_factory=list)
    audit_path: str | None = None
    paths: list[PathOutcome] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 over budget or failed, else 2 unmeasured, else 0."""
        outcomes = {p.outcome for p in self.paths}
        if outcomes & {OVER, FAILED}:
            return 1
        if UNMEASURED in outcomes or not self.paths:
            return 2
        return 0


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


def report_json(project: ProjectReport, started: float) -> dict[str, Any]:
    """The report as ``tui/output/report.schema.json`` describes it."""
    import django

    noise = project.noise
    return {
        "schema": "loopbeat-report",
        "version": SCHEMA_VERSION,
        "kind": "project",
        "started": started,
        "python": sys.version.split()[0],
        "django": django.get_version(),
        "target": {
            "name": project.target.name,
            "settings": project.target.settings_module,
            **project.target.describe,
        },
        "budget": {
            "max_lag_ms": project.budget.max_lag_ms,
            "max_hops": project.budget.max_hops,
        },
        "machine": None
        if noise is None
        else {"quiet": noise.quiet, "sentence": noise.sentence()},
        "paths": [_path_json(path) for path in project.paths],
        "middleware": [_middleware_json(cost) for cost in project.middleware],
        "middleware_measured_on": project.audit_path,
        "outcome": _overall(project.exit_code),
        "exit_code": project.exit_code,
    }


def _path_json(path: PathOutcome) -> dict[str, Any]:
    typical = path.typical
    span = typical.requests[0] if typical.requests else None
    return {
        "path": path.spec.path,
        "method": path.spec.method,
        "label": path.spec.label,
        "burst": path.spec.burst,
        "runs": len(path.runs),
        "status": typical.status,
        "wall_p50_ms": statistics.median(r.wall for r in path.runs) * 1000,
        "verdict": typical.verdict,
        "verdict_kind": typical.judgement.kind,
        "worst_stall": None if path.worst is None else _stall_json(path.worst),
        "hops_per_request": path.hops,
        "hops": [] if span is None else [h.caller for h in span.record.hops],
        "queries": typical.queries,
        "query_threads": list(typical.query_threads),
        "error": typical.error,
        "outcome": path.outcome,
        "reasons": list(path.reasons),
    }


def _stall_json(stall: StallSummary) -> dict[str, Any]:
    return {
        "ms": stall.duration * 1000,
        "cause": stall.cause,
        "where": stall.location,
        "text": stall.text,
    }


def _middleware_json(cost: MiddlewareCost) -> dict[str, Any]:
    change = cost.change
    return {
        "class": cost.middleware.dotted,
        "kind": cost.middleware.kind,
        "hooks": list(cost.middleware.hooks),
        "hops_per_request": cost.hops,
        "how": cost.how,
        "without_it": None
        if change is None
        else {
            "hops": change.hops,
            "loop_ms": change.loop * 1000,
            "worker_ms": change.worker * 1000,
            "spread_ms": change.spread * 1000,
        },
        "failed_without_it": cost.failed,
        "finding": cost.finding,
    }


def _overall(code: int) -> str:
    return {0: PASS, 1: OVER, 2: UNMEASURED}.get(code, "error")


def _style(outcome: str) -> str:
    return {PASS: "green", OVER: "bold red", FAILED: "bold red"}.get(outcome, "yellow")
