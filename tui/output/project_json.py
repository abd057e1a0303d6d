"""The project report as JSON, in the shape ``tui/output/report.schema.json``
describes (one schema, versioned, shared with the demo's and the pytest
plugin's reports)."""

import statistics
import sys
from typing import Any

from tui.engine.audit import MiddlewareCost
from tui.engine.results import StallSummary
from tui.output.project_outcome import (
    OVER,
    PASS,
    UNMEASURED,
    PathOutcome,
    ProjectReport,
)

SCHEMA_VERSION = 1


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
