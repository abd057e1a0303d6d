"""What headless mode decides of a project's paths: the outcomes and the budget.

Shared by the report that measures and prints (``project_report``) and the
JSON it writes (``project_json``).
"""

from dataclasses import dataclass, field

from tui.engine.audit import MiddlewareCost
from tui.engine.noise import NoiseReport
from tui.engine.results import RunResult, StallSummary
from tui.engine.runs import RunSpec
from tui.engine.target import Target
from tui.instrument.loopstats import BLOCKED, STARVED, WORKING
from tui.output.report import Report

PASS, OVER, FAILED, UNMEASURED = "pass", "over", "failed", "unmeasured"
OWN_CAUSES = (WORKING, BLOCKED, STARVED)
"""Stalls the path's own code caused; ``machine busy`` is the machine's."""


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
