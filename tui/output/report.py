"""Headless mode: run patterns one after another and print what was measured.

The same engine as the UI (a ``Bench``), without a screen: for CI, for
rehearsing a talk, for a blog post's table.
"""

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from tui.engine.bench import Bench
from tui.engine.patches import owning_the_loop
from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.engine.session import Session
from tui.engine.target import Target
from tui.instrument.archive import ArchiveUnavailable
from tui.instrument.formatting import describe_threads, format_count, format_seconds
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.printable import printable
from tui.output.export import (
    ExportError,
    export_session,
    export_stem,
    session_json,
)
from tui.output.files import write_atomically
from tui.output.progress import RunProgress, console_for_progress

SETTLE = 0.2
"""Seconds of quiet between runs, so one run's tail does not colour the next."""
HEADLESS_WINDOW = 3600.0
"""Seconds of heartbeat history a headless session keeps (all of it, in practice)."""


@dataclass
class Report:
    """Everything one headless session measured, or had when it was stopped."""

    specs: list[RunSpec]
    results: list[RunResult] = field(default_factory=list)
    monitor: LoopMonitor | None = None
    session: Session | None = None
    seconds: float = 0.0
    latency_ms: float = 0.0
    running: tuple[int, int, RunSpec] | None = None
    """The run in flight: (its place, counted from 1; runs in all; its spec)."""

    def runs_of(self, spec: RunSpec) -> list[RunResult]:
        """The results of every run of ``spec``."""
        return [r for r in self.results if r.label == spec.label]


Progress = Callable[[int, int, RunSpec], None]
"""Told ``(runs done, runs in all, the next spec)`` before each run."""
Step = Callable[[Bench], Awaitable[None]]
"""Work on the bench before or after the runs."""


async def measure(
    report: Report,
    target: Target,
    repeat: int = 1,
    interval: float = 0.005,
    progress: Progress | None = None,
    before: Step | None = None,
    after: Step | None = None,
) -> Report:
    """Run each of ``report.specs`` ``repeat`` times on a fresh ``Bench``.

    Results go into ``report`` as they come, and the session is captured
    even when the runs are cancelled (Ctrl+C), so what was measured is kept.
    ``before`` and ``after`` run on the bench around the runs (a project's
    noise check, its middleware audit).
    """
    started = time.perf_counter()
    bench = Bench(
        target,
        interval=interval,
        window=HEADLESS_WINDOW,
        latency_ms=report.latency_ms,
    )
    total = len(report.specs) * repeat
    async with bench:
        report.monitor = bench.monitor
        try:
            await asyncio.sleep(SETTLE)
            if before is not None:
                await before(bench)
            for spec in report.specs:
                for _ in range(repeat):
                    if progress is not None:
                        progress(len(report.results), total, spec)
                    report.running = (len(report.results) + 1, total, spec)
                    report.results.append(await bench.run_now(spec))
                    report.running = None
                    await asyncio.sleep(SETTLE)
            if after is not None:
                await after(bench)
        finally:
            report.seconds = time.perf_counter() - started
            report.session = bench.snapshot(seconds=report.seconds)
    return report


def summary_table(report: Report) -> Table:
    """One row per experiment: the typical (median-wall) run and the worst lag."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title="loopbeat: what the event loop felt (lag = how late the loop ran)",
    )
    table.add_column("pattern", no_wrap=True)
    for column in ("runs", "wall p50", "rows", "queries on"):
        table.add_column(column, justify="right", no_wrap=True)
    for column in ("loop max", "loop p99", "ping p99", "demo held"):
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
            format_count(typical.rows),
            describe_threads(typical.query_threads),
            format_seconds(max(r.loop_max_lag for r in runs)),
            format_seconds(statistics.median(r.loop_p99_lag for r in runs)),
            format_seconds(statistics.median(pings) if pings else None),
            format_seconds(statistics.median(demo_hold(r) for r in runs)),
            _verdicts(typical, runs),
        )
    return table


def demo_hold(result: RunResult) -> float:
    """How long the demo's own code held the loop thread, on a CPU or in a call.

    The figure a froze/blocked verdict is judged by (``tui.engine.verdicts``), so the
    column and the verdict beside it never disagree about what held the loop.
    """
    if result.causes is None:
        return 0.0
    split = result.causes.split
    return split.working + split.blocked


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
    target: Target,
    json_path: Path | None,
    export_dir: Path | None = None,
    console: Console | None = None,
    latency_ms: float = 0.0,
) -> int:
    """Run the specs on a fresh event loop, print the table, maybe write files.

    ``json_path`` gets the session as JSON; ``export_dir`` gets it as JSON,
    CSV and a Chrome trace, named after the time the run finished. Ctrl+C
    stops the runs; what was measured is still printed and written, and the
    status is 130. A file that cannot be written is said, after the table,
    and the status is 1.
    """
    console = console or Console()
    if not console.is_terminal:
        console.width = max(console.width, 150)  # a file or pipe: never wrap rows
    report = Report(list(specs), latency_ms=latency_ms)
    status = 0
    with RunProgress(console_for_progress(), latency_ms) as progress:
        try:
            asyncio.run(
                owning_the_loop(
                    measure(report, target, repeat, interval, progress.show)
                )
            )
        except KeyboardInterrupt:
            status = 130
        except ArchiveUnavailable as error:
            print(f"loopbeat: error: {error}", file=sys.stderr)
            return 2
    if report.monitor is None or report.session is None:
        console.print(
            "loopbeat: interrupted during start-up (Django and the instruments "
            "were starting): nothing was measured",
            markup=False,
        )
        return status or 1
    if status:
        writing = json_path is not None or export_dir is not None
        console.print(interruption(report, len(specs) * repeat, writing), markup=False)
    if report.results:
        print_report(console, report, interval)
    for failure in write_files(console, report.session, json_path, export_dir):
        console.print(f"loopbeat: error: {printable(failure)}", markup=False)
        status = status or 1
    return status


def interruption(report: Report, total: int, writing: bool) -> str:
    """What Ctrl+C stopped, and what was kept, in one sentence.

    ``writing``: files were asked for, and get what was measured.
    """
    done = len(report.results)
    if report.running is not None:
        place, _, spec = report.running
        where = f"during run {place} of {total} ({spec.label})"
    elif done:
        where = f"after run {done} of {total}"
    else:
        where = "before the first run"
    if not done:
        kept = "; the files keep the heartbeat so far" if writing else ""
        return (
            f"loopbeat: interrupted {where}, {report.seconds:.1f} s in: no run "
            f"finished, so there is no table{kept}"
        )
    return f"loopbeat: interrupted {where}: the {_runs(done)} that finished:"


def print_report(console: Console, report: Report, interval: float) -> None:
    """The table, then what the session and the monitor cost."""
    assert report.monitor is not None
    console.print(summary_table(report))
    in_runs = sum(r.wall for r in report.results)
    console.print(
        f"{_runs(len(report.results))} in {report.seconds:.1f} s "
        f"({in_runs:.1f} s in the patterns, {report.seconds - in_runs:.1f} s "
        f"settling between them); simulated latency {report.latency_ms:g} ms; "
        f"heartbeat every {interval * 1000:g} ms ({report.monitor.mode} mode)",
        markup=False,
    )
    facts = report.session.meta if report.session is not None else {}
    if facts.get("database"):
        # Masked where it was made (the demo's Database.masked): no password.
        server = facts.get("server") or facts.get("backend", "")
        console.print(
            printable(f"database: {server} · {facts['database']}"), markup=False
        )
    cost = report.monitor.own_cost
    console.print(
        f"the monitor's own work: {cost.ticks:,} ticks recorded in "
        f"{format_seconds(cost.loop_seconds)} of loop time "
        f"({cost.loop_seconds / max(report.seconds, 1e-9):.2%} of the run); its "
        f"watchdog thread used {format_seconds(cost.watchdog_cpu_seconds)} of CPU",
        markup=False,
    )


def write_files(
    console: Console,
    session: Session,
    json_path: Path | None,
    export_dir: Path | None,
) -> list[str]:
    """Write what was asked; return a sentence for each file that failed."""
    failures = []
    if json_path is not None:
        try:
            write_atomically(json_path, json.dumps(session_json(session), indent=1))
        except OSError as error:
            failures.append(f"cannot write {json_path}: {error.strerror or error}")
        else:
            console.print(f"wrote {printable(str(json_path))}", markup=False)
    if export_dir is not None:
        try:
            paths = export_session(session, export_dir, export_stem())
        except ExportError as error:
            failures.append(str(error))
        else:
            for path in paths:
                console.print(f"wrote {printable(str(path))}", markup=False)
    return failures


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"
