"""Predict, then run: the room votes, the experiment answers live.

No answer is stored. Each ``Question`` names the experiments that settle it
and a ``judge`` that reads their measured results and picks the choice they
support; ``explain`` says why in one line, with the measured numbers. Ratio
questions use thresholds between the choices, so every measurement maps to
exactly one choice.

Pure logic, no UI: a screen shows a ``QuizRound``, feeds it votes, runs the
experiments with ``run_experiments`` and calls ``record``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from demoapp import netsim
from tui.client import PatternResult, PatternRunner
from tui.formatting import format_seconds
from tui.patterns import Pattern, find

SAME_TIME_BELOW = 2.0
"""A ratio of walls below this reads as "about the same time" (overlap)."""
SERIAL_FROM = 3.0
"""...from this up as "about N times as long" (one after another)."""
GUARD_ERROR = "SynchronousOnlyOperation"


class ExperimentFailed(Exception):
    """The experiments did not produce a measurement that answers the question."""


@dataclass(frozen=True)
class Experiment:
    """One run that helps answer a question."""

    name: str
    """A catalog pattern name."""
    burst: int = 1
    latency_ms: float = 0.0
    """Simulated latency set for this run (experiments are self-contained)."""
    url: str | None = None
    """Overrides the pattern's URL (same path, other query), e.g. ``?n=1``."""

    def __post_init__(self) -> None:
        original = find(self.name)  # KeyError listing the known names
        if not 1 <= self.burst <= 50:
            raise ValueError(f"burst must be 1 to 50, not {self.burst}")
        if not 0 <= self.latency_ms <= 5000:
            raise ValueError(f"latency must be 0 to 5000 ms, not {self.latency_ms}")
        if (
            self.url is not None
            and urlsplit(self.url).path != urlsplit(original.url).path
        ):
            raise ValueError(
                f"{self.url!r} is not a URL of {self.name} ({original.url})"
            )

    def pattern(self) -> Pattern:
        """The catalog pattern, with the URL override applied."""
        pattern = find(self.name)
        return pattern if self.url is None else replace(pattern, url=self.url)

    @property
    def label(self) -> str:
        """Short description for the screen, e.g. ``gather-orm /gather/orm?n=1``."""
        label = self.name if self.url is None else f"{self.name} {self.url}"
        return label if self.burst == 1 else f"{label} x{self.burst}"


Results = Sequence[PatternResult]


@dataclass(frozen=True)
class Question:
    """A multiple-choice question that live experiments answer."""

    prompt: str
    choices: tuple[str, ...]
    experiments: tuple[Experiment, ...]
    """What to run, in order; ``judge`` and ``explain`` get results in this order."""
    judge: Callable[[Results], int]
    """The index of the choice the measurement supports.

    Raises ``ExperimentFailed`` when the runs cannot answer."""
    explain: Callable[[Results], str]
    """The measured answer in one line, numbers and thread names included."""
    topic: str = ""
    """A few words for a list of questions."""

    def __post_init__(self) -> None:
        if not 2 <= len(self.choices) <= 4:
            raise ValueError(f"a question needs 2 to 4 choices: {self.prompt!r}")
        if not self.experiments:
            raise ValueError(f"a question needs an experiment: {self.prompt!r}")


async def run_experiments(
    question: Question, runner: PatternRunner
) -> tuple[PatternResult, ...]:
    """Run the question's experiments in order, each at its own latency.

    The latency in force before is restored afterwards.
    """
    previous = netsim.latency_ms()
    results = []
    try:
        for experiment in question.experiments:
            netsim.set_latency_ms(experiment.latency_ms)
            results.append(await runner.run(experiment.pattern(), experiment.burst))
    finally:
        netsim.set_latency_ms(previous)
    return tuple(results)


class QuizRound:
    """One question put to the room: votes, then the measured answer."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self._votes = [0] * len(question.choices)
        self.results: tuple[PatternResult, ...] | None = None
        self.answer: int | None = None
        """The choice the measurement supports, once recorded."""
        self.explanation: str | None = None

    @property
    def revealed(self) -> bool:
        return self.answer is not None

    def vote(self, choice: int) -> bool:
        """Count one vote; False (ignored) if out of range or after the reveal."""
        if self.revealed or not 0 <= choice < len(self._votes):
            return False
        self._votes[choice] += 1
        return True

    @property
    def tally(self) -> tuple[int, ...]:
        """Votes per choice."""
        return tuple(self._votes)

    @property
    def total(self) -> int:
        return sum(self._votes)

    @property
    def leaders(self) -> tuple[int, ...]:
        """The most-voted choices (several on a tie; none without votes)."""
        if not self.total:
            return ()
        top = max(self._votes)
        return tuple(i for i, votes in enumerate(self._votes) if votes == top)

    def record(self, results: Results) -> int:
        """Judge the measured results and reveal the answer.

        Raises:
            ValueError: if there is not one result per experiment.
            ExperimentFailed: if the runs cannot answer; nothing is revealed.
        """
        results = tuple(results)
        if len(results) != len(self.question.experiments):
            raise ValueError(
                f"expected {len(self.question.experiments)} results, got {len(results)}"
            )
        answer = self.question.judge(results)
        explanation = self.question.explain(results)
        self.results, self.answer, self.explanation = results, answer, explanation
        return answer

    @property
    def room_was_right(self) -> bool | None:
        """Whether the answer alone got the most votes; None before votes or reveal.

        A tie at the top is not a win.
        """
        if self.answer is None or not self.total:
            return None
        return self.leaders == (self.answer,)


# --- measuring helpers ---------------------------------------------------------


def _succeeded(results: Results) -> None:
    for result in results:
        if result.error:
            raise ExperimentFailed(f"{result.label} failed: {result.error}")


def _raised_guard(result: PatternResult) -> bool:
    return GUARD_ERROR in (result.error or "")


def _one_query_thread(results: Results) -> PatternResult:
    _succeeded(results)
    (result,) = results
    if not result.query_threads:
        raise ExperimentFailed(f"{result.label} ran no query")
    return result


def wall_ratio(results: Results) -> float:
    """How many times longer the second run took than the first."""
    _succeeded(results)
    one, many = results
    if one.wall <= 0:
        raise ExperimentFailed(f"{one.label} took no measurable time")
    return many.wall / one.wall


def ratio_choice(ratio: float) -> int:
    """0 "about the same", 1 "in between", 2 "about N times as long"."""
    if ratio < SAME_TIME_BELOW:
        return 0
    return 1 if ratio < SERIAL_FROM else 2


def _judge_ratio(results: Results) -> int:
    return ratio_choice(wall_ratio(results))


def _plural(count: int, word: str, words: str) -> str:
    return f"{count} {word if count == 1 else words}"


def _on_threads(threads: Sequence[str]) -> str:
    if not threads:
        return "on no thread"
    if len(threads) == 1:
        return f"on one thread ({threads[0]})"
    if len(threads) <= 3:
        return f"on {len(threads)} threads ({', '.join(threads)})"
    return f"on {len(threads)} different threads"


def _explain_ratio(
    what: Callable[[PatternResult], str], baseline: str, outcomes: tuple[str, ...]
) -> Callable[[Results], str]:
    """An ``explain`` for a (one, many) pair: ratio, both walls, outcome, threads."""

    def explain(results: Results) -> str:
        ratio = wall_ratio(results)
        one, many = results
        outcome = outcomes[ratio_choice(ratio)]
        return (
            f"{what(many)} took {ratio:.1f}x {baseline} ({format_seconds(many.wall)}"
            f" vs {format_seconds(one.wall)}): {outcome}, "
            f"{_on_threads(many.query_threads)}"
        )

    return explain


RATIO_CHOICES = (
    "About the same time: they overlap",
    "Somewhere in between",
    "About five times as long: one after another",
)
OVERLAP_OUTCOMES = ("they overlapped", "they partly overlapped", "they queued")


# --- the questions ---------------------------------------------------------------

# Sync ORM in an async view.
FREEZES, RAISES, WORKS = 0, 1, 2


def _outcome(results: Results, *, raised: int, froze: int, worked: int) -> int:
    """The choice for what one run did: raised the guard, froze the loop, or not."""
    (result,) = results
    if _raised_guard(result):
        return raised
    _succeeded(results)
    return froze if result.froze_loop else worked


def _judge_sync_orm(results: Results) -> int:
    return _outcome(results, raised=RAISES, froze=FREEZES, worked=WORKS)


def _explain_sync_orm(results: Results) -> str:
    (result,) = results
    wall, lag = format_seconds(result.wall), format_seconds(result.loop_max_lag)
    if _raised_guard(result):
        return (
            f"Django raised {GUARD_ERROR} after {wall}, worst loop lag {lag}: "
            "the guard refuses to open a connection on the loop's thread"
        )
    _succeeded(results)
    if result.froze_loop:
        return f"it froze the loop for {format_seconds(result.loop_blocked)} of {wall}"
    return f"it ran in {wall} and the loop kept beating (worst lag {lag})"


SYNC_ORM_IN_ASYNC_VIEW = Question(
    topic="Sync ORM in an async view",
    prompt="An async view calls the sync ORM: list(Book.objects.all()). What happens?",
    choices=(
        "It blocks the event loop until the query is done",
        "Django raises SynchronousOnlyOperation",
        "It just works, and the loop keeps beating",
    ),
    experiments=(Experiment("sync-guarded"),),
    judge=_judge_sync_orm,
    explain=_explain_sync_orm,
)


# Where the async ORM runs its query.
LOOP_THREAD, ONE_WORKER, MANY_THREADS = 0, 1, 2


def _loop_threads(result: PatternResult) -> set[str]:
    # An async view's own code runs on the loop's thread.
    return set(result.view_threads) or {"MainThread"}


def _judge_orm_threads(results: Results) -> int:
    result = _one_query_thread(results)
    if _loop_threads(result) & set(result.query_threads):
        return LOOP_THREAD
    return ONE_WORKER if len(result.query_threads) == 1 else MANY_THREADS


def _explain_orm_threads(results: Results) -> str:
    result = _one_query_thread(results)
    return (
        f"{result.rows:,} rows, {_plural(result.queries, 'query', 'queries')} "
        f"{_on_threads(result.query_threads)}, while the view itself ran on "
        f"{', '.join(sorted(_loop_threads(result)))}, the loop's thread"
    )


ASYNC_ORM_THREADS = Question(
    topic="Where the async ORM runs",
    prompt="An async view runs `async for book in Book.objects.all()`. "
    "Where does the query run?",
    choices=(
        "On the event loop's own thread",
        "On one worker thread",
        "Spread over several worker threads",
    ),
    experiments=(Experiment("async-for"),),
    judge=_judge_orm_threads,
    explain=_explain_orm_threads,
)


GATHER_ORM = Question(
    topic="gather() over the async ORM",
    prompt="One view gathers five acount() queries with asyncio.gather, with "
    "network latency. Compared with one query, the view takes...",
    choices=RATIO_CHOICES,
    experiments=(
        Experiment("gather-orm", latency_ms=50, url="/gather/orm?n=1"),
        Experiment("gather-orm", latency_ms=50, url="/gather/orm?n=5"),
    ),
    judge=_judge_ratio,
    explain=_explain_ratio(
        lambda r: _plural(r.queries, "gathered query", "gathered queries"),
        "one query",
        ("they overlapped", "they partly overlapped", "they ran one after another"),
    ),
)


CONCURRENT_REQUESTS = Question(
    topic="Concurrent requests",
    prompt="Five users load a view with a few async-ORM queries at the same "
    "moment, with network latency. Compared with one user alone, they take...",
    choices=RATIO_CHOICES,
    experiments=(
        Experiment("async-get-count", latency_ms=50),
        Experiment("async-get-count", burst=5, latency_ms=50),
    ),
    judge=_judge_ratio,
    explain=_explain_ratio(
        lambda r: _plural(r.burst, "concurrent request", "concurrent requests"),
        "one request",
        OVERLAP_OUTCOMES,
    ),
)


GATHER_NATIVE = Question(
    topic="A native async driver",
    prompt="The same five counts gathered, but each over its own aiosqlite "
    "connection, with network latency. Compared with one count, they take...",
    choices=RATIO_CHOICES,
    experiments=(
        Experiment("gather-native", latency_ms=50, url="/gather/native?n=1"),
        Experiment("gather-native", latency_ms=50, url="/gather/native?n=5"),
    ),
    judge=_judge_ratio,
    explain=_explain_ratio(
        lambda r: _plural(r.queries, "gathered count", "gathered counts"),
        "one count",
        OVERLAP_OUTCOMES,
    ),
)


CPU_BOUND_BURST = Question(
    topic="CPU-bound work and the GIL",
    prompt="Five users at once load the view that turns every book into a model "
    "instance (`async for`, no network latency). Each request has its own worker "
    "thread. Compared with one user, they take...",
    choices=(
        "About the same time: the threads run in parallel",
        "Somewhere in between",
        "About five times as long: one thread at a time holds the GIL",
    ),
    experiments=(Experiment("async-for"), Experiment("async-for", burst=5)),
    judge=_judge_ratio,
    explain=_explain_ratio(
        lambda r: _plural(r.burst, "concurrent request", "concurrent requests"),
        "one request",
        (
            "they ran in parallel",
            "they partly overlapped",
            "they took turns, though",
        ),
    ),
)


# Does `async for` stream?
STREAMS, ONE_FETCH = 0, 1


def _judge_async_for(results: Results) -> int:
    result = _one_query_thread(results)
    single = result.queries == 1 and len(result.query_threads) == 1
    return ONE_FETCH if single else STREAMS


def _explain_async_for(results: Results) -> str:
    result = _one_query_thread(results)
    how = (
        "one fetch, then yielded from memory"
        if _judge_async_for(results) == ONE_FETCH
        else "fetched piece by piece"
    )
    return (
        f"{result.rows:,} rows came from "
        f"{_plural(result.queries, 'statement', 'statements')} "
        f"{_on_threads(result.query_threads)} in {format_seconds(result.wall)}: {how}"
    )


ASYNC_FOR_STREAMS = Question(
    topic="Does async for stream?",
    prompt="`async for book in Book.objects.all()`: do the rows stream in as "
    "the database produces them?",
    choices=(
        "Yes: rows arrive in batches, one fetch per batch",
        "No: one fetch loads every row, then it yields them from memory",
    ),
    experiments=(Experiment("async-for"),),
    judge=_judge_async_for,
    explain=_explain_async_for,
)


# A plain sync view under ASGI.
SYNC_VIEW_RAISES, SYNC_VIEW_BLOCKS, SYNC_VIEW_IN_THREAD = 0, 1, 2


def _judge_sync_view(results: Results) -> int:
    return _outcome(
        results,
        raised=SYNC_VIEW_RAISES,
        froze=SYNC_VIEW_BLOCKS,
        worked=SYNC_VIEW_IN_THREAD,
    )


def _explain_sync_view(results: Results) -> str:
    (result,) = results
    if _raised_guard(result):
        return f"Django raised {GUARD_ERROR} after {format_seconds(result.wall)}"
    _succeeded(results)
    view = ", ".join(result.view_threads) or "an unknown thread"
    return (
        f"the view ran on {view} and its queries {_on_threads(result.query_threads)}"
        f"; {result.verdict}"
    )


SYNC_VIEW_UNDER_ASGI = Question(
    topic="A sync view under ASGI",
    prompt="A plain `def` view that uses the sync ORM, served by Django under "
    "ASGI. What happens?",
    choices=(
        "Django raises SynchronousOnlyOperation",
        "It blocks the event loop",
        "Django runs it in a worker thread; the loop keeps beating",
    ),
    experiments=(Experiment("sync-view"),),
    judge=_judge_sync_view,
    explain=_explain_sync_view,
)


QUESTIONS: tuple[Question, ...] = (
    SYNC_ORM_IN_ASYNC_VIEW,
    SYNC_VIEW_UNDER_ASGI,
    ASYNC_ORM_THREADS,
    ASYNC_FOR_STREAMS,
    GATHER_ORM,
    CONCURRENT_REQUESTS,
    GATHER_NATIVE,
    CPU_BOUND_BURST,
)
