"""Head to head: the pairs a talk compares, and how to say what they measured.

Each pair names its two patterns, the simulated latency both run at (its
own, like a tour step's: the presenter's ``+``/``-`` must not decide what
the pair shows) and its headline figures, the ones its point is about: the
wall time for N+1 against prefetch and for the two gathers, the loop's lag
and the ping for the guard lifted against ``async for``.

Pure logic, no UI: ``tui.ui.widgets.versus_panel`` draws it.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from tui.engine.client import RunResult
from tui.engine.runs import RunSpec
from tui.engine.verdicts import HOLD_MIN
from tui.instrument.formatting import format_seconds
from tui.lessons.patterns import POSTGRESQL, SQLITE, find


@dataclass(frozen=True)
class Figure:
    """A figure both sides are compared on."""

    label: str
    """Its name beside the bars ("worst loop lag")."""
    read: Callable[[RunResult], float | None]
    """How to read it (seconds) from a run; None when it was not measured."""
    floor: float = 0.0
    """Bars are drawn on a scale of at least this (seconds), and two values
    both below it are said to be so rather than compared: what the loop
    feels below a long task is not an effect worth a ratio."""
    owner: str = ""
    """How the comparison sentence names it ("'s worst loop lag was");
    empty for the wall time ("took ... as long as")."""


WALL = Figure("wall", lambda r: r.wall)
LAG = Figure("worst loop lag", lambda r: r.loop_max_lag, HOLD_MIN, "worst loop lag")
PING = Figure("ping p99", lambda r: r.ping_p99, HOLD_MIN, "ping p99")
FIGURES = (WALL, LAG, PING)
"""Every figure a side shows, in order."""


@dataclass(frozen=True)
class Pair:
    """Two patterns compared at one latency, on the figures that make its point."""

    first: str
    second: str
    latency_ms: float
    """The simulated latency per statement both sides run at."""
    headline: tuple[Figure, ...]
    """The figures the comparison line is about, the first one leading."""
    backend: str = SQLITE
    """Whose catalog the two patterns come from."""

    @property
    def specs(self) -> tuple[RunSpec, RunSpec]:
        """The two runs, each at the pair's own latency."""
        return (
            RunSpec.of(find(self.first, self.backend), 1, self.latency_ms),
            RunSpec.of(find(self.second, self.backend), 1, self.latency_ms),
        )


PAIRS = (
    # Every query of the N+1 is a round trip: a little latency shows it.
    Pair("n-plus-one", "prefetched", 5.0, (WALL,)),
    # Without latency the two gathers differ by little, and either way: the
    # point (waits that overlap, or queue on one thread) needs waits.
    Pair("gather-orm", "gather-native", 50.0, (WALL,)),
    # Wall times are alike; what differs is what the loop and other users felt.
    Pair("sync-unguarded", "async-for", 0.0, (LAG, PING)),
    # Connections of their own (a pool on PostgreSQL), or one they share.
    Pair("gather-native", "gather-shared", 50.0, (WALL,)),
)
"""The comparisons a talk makes on SQLite, in the order ``c`` steps through them."""

POSTGRESQL_PAIRS = (
    *(dataclasses.replace(pair, backend=POSTGRESQL) for pair in PAIRS),
    # One fetch, two causes: a worker starving the loop, the loop decoding.
    Pair("async-for", "native-driver", 0.0, (LAG, PING), POSTGRESQL),
)
"""On PostgreSQL: the same three, then what psycopg's async driver changes."""


def pairs_for(backend: str = SQLITE) -> tuple[Pair, ...]:
    """The head-to-head pairs for the demo's database."""
    return POSTGRESQL_PAIRS if backend == POSTGRESQL else PAIRS


def failure(result: RunResult) -> str | None:
    """``raised OperationalError`` for a run whose request failed, else None."""
    verdict = result.judgement
    return verdict.text if verdict.failed else None


def compare(figure: Figure, first: RunResult, second: RunResult) -> str:
    """One figure of both runs in a sentence, or why they cannot be compared."""
    one, other = figure.read(first), figure.read(second)
    if one is None or other is None:
        return f"{figure.label}: not measured for both"
    (slow, slow_value), (fast, fast_value) = sorted(
        ((first, one), (second, other)), key=lambda side: -side[1]
    )
    figures = f"({format_seconds(slow_value)} vs {format_seconds(fast_value)})"
    if slow_value < figure.floor:
        return (
            f"{figure.label}: both under {format_seconds(figure.floor)} {figures}, "
            "too small to call an effect"
        )
    if fast_value <= 0:
        return f"{figure.label}: {slow.label} {format_seconds(slow_value)}, none"
    ratio = slow_value / fast_value
    if not figure.owner:
        return f"{slow.label} took {ratio:.1f}x as long as {fast.label} {figures}"
    return f"{slow.label}'s {figure.owner} was {ratio:.1f}x {fast.label}'s {figures}"


def comparison(first: RunResult, second: RunResult, pair: Pair | None = None) -> str:
    """What the pair measured, on its headline figures (default: the wall time).

    Runs that failed are said to have failed, never compared.
    """
    failed = [(r, why) for r in (first, second) if (why := failure(r)) is not None]
    if len(failed) == 2:
        return (
            f"both failed ({first.label} {failed[0][1]}, {second.label} "
            f"{failed[1][1]}): nothing to compare"
        )
    if failed:
        run, why = failed[0]
        return f"{run.label} failed ({why}): nothing to compare"
    headline = pair.headline if pair is not None else (WALL,)
    return "; ".join(compare(figure, first, second) for figure in headline)
