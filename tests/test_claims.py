"""What loopbeat says on stage agrees with what it measures.

Captions, explanations and quiz choices are prose; these tests hold the prose
to the live measurement and to the rules that judge it, so a sentence that
the banner right after it would contradict cannot ship.
"""

import re
import statistics
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.conftest import demo_client
from tests.factories import make_result
from tui.engine.client import RunClient
from tui.engine.runs import RunSpec
from tui.engine.verdicts import (
    BLOCKED,
    FROZE,
    HOLD_MIN,
    RAISED,
    STARVE_MIN,
    STARVE_SAY,
    STARVED,
)
from tui.instrument.heartbeat import LoopMonitor
from tui.lessons.patterns import BACKENDS, PATTERNS, catalog, find
from tui.lessons.questions import CPU_BOUND_BURST, QUESTIONS
from tui.lessons.quiz import RATIO_CHOICES, SAME_TIME_BELOW, SERIAL_FROM
from tui.lessons.tour import load_tour

README = Path(__file__).resolve().parent.parent / "README.md"

# What a text must say when the run it describes gets each verdict.
MUST_SAY = {
    STARVED: ("starv",),
    FROZE: ("freez", "froze"),
    BLOCKED: ("block", "holds the event loop"),
    RAISED: ("raise", "refuse"),
}
NEVER_BESIDE = {STARVED: ("stays free", "barely starved", "jitter")}


def _agrees(text: str, kind: str) -> str | None:
    """Why ``text`` contradicts or leaves out verdict ``kind``; None if it agrees."""
    lowered = " ".join(text.lower().split())
    if kind in MUST_SAY and not any(word in lowered for word in MUST_SAY[kind]):
        return f"says nothing of {kind!r}"
    for phrase in NEVER_BESIDE.get(kind, ()):
        if phrase in lowered:
            return f"says {phrase!r} beside a {kind!r} verdict"
    return None


@pytest_asyncio.fixture
async def client(recorded_app) -> AsyncIterator[RunClient]:
    async with LoopMonitor() as monitor:
        yield demo_client(recorded_app, monitor)


async def test_every_explanation_agrees_with_its_live_verdict(client) -> None:
    wrong = []
    for pattern in PATTERNS:
        result = await client.run(RunSpec.of(pattern, latency_ms=0.0))
        problem = _agrees(pattern.explanation, result.judgement.kind)
        if problem:
            wrong.append(f"{pattern.name}: {problem} ({result.verdict})")
    assert not wrong


async def test_every_tour_caption_agrees_with_its_live_verdict(client) -> None:
    wrong = []
    for number, step in enumerate(load_tour(), start=1):
        if step.spec.burst > 1 or step.spec.latency_ms:
            continue  # the waits, not the loop, are those steps' point
        result = await client.run(step.spec.at_latency(0.0))
        problem = _agrees(step.caption, result.judgement.kind)
        if problem:
            wrong.append(f"step {number}: {problem} ({result.verdict})")
    assert not wrong


async def _median_wall(client: RunClient, spec: RunSpec, tries: int = 3) -> float:
    return statistics.median([(await client.run(spec)).wall for _ in range(tries)])


async def test_gathered_aiosqlite_waits_overlap_as_the_text_says(client) -> None:
    # "with latency five take little longer than one": one after another they
    # would take five round trips, so anything under three is overlap.
    one = await _median_wall(client, RunSpec.of(find("gather-native"), 1, 50.0, "n=1"))
    five = await _median_wall(client, RunSpec.of(find("gather-native"), 1, 50.0, "n=5"))
    assert five / one < 3, (one, five)


def _numbers(text: str) -> list[str]:
    # Figures, not names (sqlite3) or formulas (2N+1).
    return re.findall(r"(?<![\w+])\d[\d,.]*(?![\w+])", text)


@pytest.mark.parametrize(
    "pattern",
    [p for backend in BACKENDS for p in catalog(backend)],
    ids=lambda p: f"{p.module}.{p.name}",
)
def test_explanations_quote_no_figure_the_code_does_not_hold(pattern) -> None:
    # A figure typed into prose ("100,000 tuples", "2-core") is wrong on the
    # next machine or after seed.py --books N; figures come from the run.
    for number in _numbers(pattern.explanation):
        plain = number.rstrip(".,").replace(",", "")
        in_code = plain in pattern.source or str(float(plain) / 1000) in pattern.source
        assert in_code, f"{pattern.name}: {number!r} is not in its code"


def test_ratio_choices_state_the_bands_that_decide_them() -> None:
    # "About five times as long" stood beside a line at 3x, and measured
    # runs went past 8x: the band the judge applies is shown, no figure else.
    for question in QUESTIONS:
        if question.choices == RATIO_CHOICES or question is CPU_BOUND_BURST:
            below, _, above = question.bands
            assert f"{SAME_TIME_BELOW:g}x" in below and f"{SERIAL_FROM:g}x" in above
            assert not re.search(r"\bfive\b|\d", " ".join(question.choices))


def _verdict_rows() -> dict[str, str]:
    rows = {}
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0] in ("froze", "blocked", "starved"):
            rows[cells[0]] = cells[2]
        elif len(cells) == 3 and cells[0] == "kept beating":
            rows[cells[0]] = cells[1]
    return rows


def test_the_readme_states_the_verdict_rules() -> None:
    rows = _verdict_rows()
    hold, starve = f"{HOLD_MIN * 1000:g} ms", f"{STARVE_MIN * 1000:g} ms"
    assert hold in rows["froze"] and "half the run" in rows["froze"]
    assert starve in rows["starved"]
    kept = rows["kept beating"]
    assert hold in kept and starve in kept and f"{STARVE_SAY * 1000:g} ms" in kept
    assert "a few ms" not in kept


def test_the_guard_is_said_to_refuse_a_cursor_not_a_connection() -> None:
    # async_unsafe guards cursor() too (django/db/backends/base/base.py), so
    # the query raises whether or not a connection is already open.
    from tui.lessons.questions import SYNC_ORM_IN_ASYNC_VIEW
    from tui.lessons.quiz import GUARD_ERROR

    tour_text = " ".join(step.caption for step in load_tour())
    assert "refuses to open a connection" not in tour_text
    failed = make_result("sync-guarded", error=f"{GUARD_ERROR}: You cannot call")
    text = SYNC_ORM_IN_ASYNC_VIEW.explain([failed])
    assert "cursor" in text and "open a connection" not in text
