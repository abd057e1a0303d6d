"""The pytest plugin: a test fails when its own code blocked the event loop.

Off unless asked: ``--loop-budget MS`` on the command line, ``loop_budget``
in ``[tool.pytest.ini_options]``, or ``@pytest.mark.loop_budget(ms=...)`` on
a test. While a test with a budget runs, every event loop it runs is watched
(``tui.plugin.watch``): pytest-asyncio's, pytest-django's async tests' (they
are pytest-asyncio's), ``asyncio.run`` inside a sync test. The test fails
when its own code held a loop longer than the budget, with the cause and the
line (``tui.plugin.judge``); starvation by another thread is reported and
fails only with ``--loop-fail-starved``; a stall the machine mostly took is
*unmeasured* (a warning and a line in the summary), never a failure, unless
``--loop-strict``. ``@pytest.mark.allow_blocking(reason=...)`` exempts one
test, with its reason in the report. ``--loop-report FILE`` writes JSON in
the shape of ``tui/output/report.schema.json``.
"""

import json
import sys
import time
from collections import Counter
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from tui.instrument.loopstats import Stall
from tui.plugin.judge import EXEMPT, OVER, PASS, UNMEASURED, Judgement, judge_test
from tui.plugin.watch import LoopWatch

SCHEMA_VERSION = 1
JUDGEMENT = pytest.StashKey[Judgement]()
BUDGET = pytest.StashKey[float]()
EXEMPTION = pytest.StashKey[str]()


class LoopUnmeasuredWarning(pytest.PytestWarning):
    """A test's loop stalled over its budget while the machine was busy."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("loopbeat", "event loop budget (loopbeat)")
    group.addoption(
        "--loop-budget",
        type=float,
        metavar="MS",
        help="fail a test whose own code holds its event loop longer than MS",
    )
    group.addoption(
        "--loop-strict",
        action="store_true",
        help="fail unmeasured tests too (a stall over budget the machine took)",
    )
    group.addoption(
        "--loop-fail-starved",
        action="store_true",
        help="also fail a test whose loop another thread starved past the budget",
    )
    group.addoption(
        "--loop-report", metavar="FILE", help="write what was measured as JSON"
    )
    parser.addini("loop_budget", "the loop budget in ms for every test", default="")
    parser.addini("loop_strict", "like --loop-strict", type="bool", default=False)
    parser.addini(
        "loop_fail_starved", "like --loop-fail-starved", type="bool", default=False
    )
    parser.addini("loop_report", "like --loop-report", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "loop_budget(ms): fail the test if its own code holds the event loop "
        "longer than ms (loopbeat)",
    )
    config.addinivalue_line(
        "markers",
        "allow_blocking(reason): exempt the test from the loop budget; the "
        "reason shows in the report (loopbeat)",
    )
    config.pluginmanager.register(LoopBudgets(config), "loopbeat-budgets")


class LoopBudgets:
    """The plugin's state for one session: budgets, judgements, the report."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        given = config.getoption("loop_budget") or config.getini("loop_budget")
        try:
            self.default_ms = float(given) if given not in (None, "") else None
        except ValueError:
            raise pytest.UsageError(
                f"loop_budget: {given!r} is not a number of ms"
            ) from None
        self.strict = bool(
            config.getoption("loop_strict") or config.getini("loop_strict")
        )
        self.fail_starved = bool(
            config.getoption("loop_fail_starved") or config.getini("loop_fail_starved")
        )
        self.report_path = config.getoption("loop_report") or config.getini(
            "loop_report"
        )
        self.root = str(config.rootpath)
        self.judged: list[tuple[pytest.Item, Judgement]] = []
        self.started = time.time()
        self.watch: LoopWatch | None = None
        """One for the session, made at the first test with a budget."""

    def budget_for(self, item: pytest.Item) -> float | None:
        """The test's budget in seconds, or None when it has none."""
        marker = item.get_closest_marker("loop_budget")
        if marker is not None:
            ms = marker.kwargs.get("ms", marker.args[0] if marker.args else None)
            if not isinstance(ms, int | float) or ms <= 0:
                raise pytest.UsageError(
                    f"{item.nodeid}: loop_budget needs ms=<a positive number>"
                )
            return ms / 1000
        return self.default_ms / 1000 if self.default_ms is not None else None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        budget = self.budget_for(item)
        if budget is None:
            return (yield)
        if self.watch is None:
            self.watch = LoopWatch([self.root])
        self.watch.begin()
        try:
            result = yield
        finally:
            stalls = self.watch.end()
        judgement = judge_test(
            stalls,
            budget,
            fail_starved=self.fail_starved,
            strict=self.strict,
            root=self.root,
        )
        exempt = item.get_closest_marker("allow_blocking")
        if exempt is not None:
            reason = exempt.kwargs.get("reason") or (
                exempt.args[0] if exempt.args else ""
            )
            item.stash[EXEMPTION] = str(reason) or "no reason given"
            judgement = Judgement(
                EXEMPT, judgement.message, judgement.worst, judgement.starved
            )
        item.stash[JUDGEMENT] = judgement
        item.stash[BUDGET] = budget
        self.judged.append((item, judgement))
        if judgement.outcome == UNMEASURED:
            item.warn(LoopUnmeasuredWarning(judgement.message))
        if judgement.outcome == OVER:
            pytest.fail(judgement.message, pytrace=False)
        return result

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.judged:
            return
        counts = Counter(judgement.outcome for _, judgement in self.judged)
        terminalreporter.write_sep("-", "loopbeat: the event loop budget")
        for item, judgement in self.judged:
            if judgement.outcome in (UNMEASURED, EXEMPT) or (
                judgement.outcome == PASS and judgement.message
            ):
                note = judgement.message or "no stall over the budget"
                if judgement.outcome == EXEMPT:
                    note = f"allowed to block ({item.stash[EXEMPTION]}): {note}"
                terminalreporter.write_line(
                    f"{judgement.outcome}: {item.nodeid}: {note}"
                )
        terminalreporter.write_line(
            f"loopbeat: {counts[PASS]} within budget, {counts[OVER]} over budget, "
            f"{counts[UNMEASURED]} unmeasured, {counts[EXEMPT]} exempt"
        )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.watch is not None:
            self.watch.close()
        if not self.report_path:
            return
        path = Path(self.report_path)
        if not path.is_absolute():
            path = self.config.rootpath / path
        data = self.report(int(exitstatus))
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(data, indent=2) + "\n")
        temporary.replace(path)

    def report(self, exitstatus: int) -> dict[str, Any]:
        """The session as ``tui/output/report.schema.json`` describes it."""
        outcomes = Counter(judgement.outcome for _, judgement in self.judged)
        overall = (
            OVER if outcomes[OVER] else UNMEASURED if outcomes[UNMEASURED] else PASS
        )
        return {
            "schema": "loopbeat-report",
            "version": SCHEMA_VERSION,
            "kind": "pytest",
            "started": self.started,
            "python": sys.version.split()[0],
            "django": _django_version(),
            "target": None,
            "budget": {
                "max_lag_ms": self.default_ms,
                "max_hops": None,
            },
            "tests": [
                self._test_json(item, judgement) for item, judgement in self.judged
            ],
            "outcome": overall,
            "exit_code": exitstatus,
        }

    def _test_json(self, item: pytest.Item, judgement: Judgement) -> dict[str, Any]:
        return {
            "nodeid": item.nodeid,
            "budget_ms": item.stash[BUDGET] * 1000,
            "worst_stall": _stall_json(judgement.worst),
            "starved": _stall_json(judgement.starved),
            "exempt_reason": item.stash.get(EXEMPTION, None),
            "outcome": judgement.outcome,
            "reasons": [judgement.message] if judgement.message else [],
        }


def _stall_json(stall: Stall | None) -> dict[str, Any] | None:
    if stall is None:
        return None
    return {
        "ms": stall.duration * 1000,
        "cause": stall.cause,
        "where": stall.project_frame or stall.innermost_frame,
        "text": stall.culprit or stall.project_frame or stall.innermost_frame,
        "thread": stall.culprit,
    }


def _django_version() -> str | None:
    django = sys.modules.get("django")
    return django.get_version() if django is not None else None
