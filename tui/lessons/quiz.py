"""Predict, then run: the room votes, the runs answer live.

No answer is stored. Each ``Question`` names the runs that settle it and a
``judge`` that reads their measured results and picks the choice they
support; ``explain`` says why in one line, with the measured numbers. Where
it can, a judge reads a structural fact (which thread ran the code, how many
thread hops, how many threads), which load cannot change. Timing questions
run each case several times, compare medians, and keep a margin around the
lines between choices: a ratio inside it is revealed as too close to call on
this machine, with both numbers, rather than picked. The questions
themselves are in ``tui.lessons.questions``.

Pure logic, no UI: a screen shows a ``QuizRound``, feeds it votes, has the
question's runs made and calls ``record`` with their results.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.instrument.formatting import format_seconds

SAME_TIME_BELOW = 2.0
"""A ratio of walls below this reads as "about the same time" (overlap)."""
SERIAL_FROM = 3.0
"""...from this up as "about N times as long" (one after another)."""
MARGIN = 0.15
"""A ratio within this fraction of a line between choices is too close to call."""
GUARD_ERROR = "SynchronousOnlyOperation"


class CannotJudge(Exception):
    """The runs did not produce a measurement that answers the question."""


class TooClose(Exception):
    """The measurement lands too near a line between two choices to pick one.

    Its message says so, with the numbers: it is revealed as the answer.
    """


Results = Sequence[RunResult]


@dataclass(frozen=True)
class Question:
    """A multiple-choice question that live experiments answer."""

    prompt: str
    choices: tuple[str, ...]
    specs: tuple[RunSpec, ...]
    """What to run, in order; ``judge`` and ``explain`` get results in this order.
    Each sets its own latency: a question's answer must not depend on what
    the presenter last chose with ``+`` and ``-``."""
    judge: Callable[[Results], int]
    """The index of the choice the measurement supports.

    Raises ``CannotJudge`` when the runs cannot answer."""
    explain: Callable[[Results], str]
    """The measured answer in one line, numbers and thread names included."""
    topic: str = ""
    """A few words for a list of questions."""
    repeat: int = 1
    """Runs of each spec: timing questions compare medians of several."""
    bands: tuple[str, ...] = ()
    """What decides each choice, shown beside it (``< 2x``), or nothing."""

    @property
    def runs(self) -> tuple[RunSpec, ...]:
        """Every run to make, in order: the specs in turn, ``repeat`` times.

        Interleaved (one, many, one, many, ...) so drift on the machine
        touches both sides alike.
        """
        return self.specs * self.repeat

    def typical(self, results: Results) -> tuple[RunResult, ...]:
        """Per spec, the run with the median wall time (the lower one of two).

        Raises:
            ValueError: if there is not one result per run.
        """
        if len(results) != len(self.runs):
            raise ValueError(f"expected {len(self.runs)} results, got {len(results)}")
        count = len(self.specs)
        typical = []
        for index in range(count):
            runs = sorted(results[index::count], key=lambda r: r.wall)
            typical.append(runs[(len(runs) - 1) // 2])
        return tuple(typical)

    def __post_init__(self) -> None:
        if not 2 <= len(self.choices) <= 4:
            raise ValueError(f"a question needs 2 to 4 choices: {self.prompt!r}")
        if not self.specs:
            raise ValueError(f"a question needs a run: {self.prompt!r}")
        if any(spec.latency_ms is None for spec in self.specs):
            raise ValueError(f"every run needs its own latency: {self.prompt!r}")
        if self.bands and len(self.bands) != len(self.choices):
            raise ValueError(f"one band per choice, or none: {self.prompt!r}")


class QuizRound:
    """One question put to the room: votes, then the measured answer."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self._votes = [0] * len(question.choices)
        self.results: tuple[RunResult, ...] | None = None
        self.answer: int | None = None
        """The choice the measurement supports, once recorded."""
        self.explanation: str | None = None
        self.too_close = False
        """True when the measurement was revealed as too close to call."""

    @property
    def revealed(self) -> bool:
        return self.answer is not None or self.too_close

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

    def record(self, results: Results) -> int | None:
        """Judge the measured results and reveal the answer.

        Returns the choice, or None when it was too close to call (revealed
        so, with the numbers, in ``explanation``).

        Raises:
            ValueError: if there is not one result per run.
            CannotJudge: if the runs cannot answer; nothing is revealed.
        """
        results = tuple(results)
        typical = self.question.typical(results)
        try:
            answer: int | None = self.question.judge(typical)
            explanation = self.question.explain(typical)
        except TooClose as close:
            answer, explanation = None, str(close)
            self.too_close = True
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


# --- judging helpers, shared by the questions (tui/lessons/questions.py) -----------


def succeeded(results: Results) -> None:
    for result in results:
        if result.error:
            raise CannotJudge(f"{result.label} failed: {result.error}")


def raised_guard(result: RunResult) -> bool:
    return GUARD_ERROR in (result.error or "")


def one_query_thread(results: Results) -> RunResult:
    succeeded(results)
    (result,) = results
    if not result.query_threads:
        raise CannotJudge(f"{result.label} ran no query")
    return result


def wall_ratio(results: Results) -> float:
    """How many times longer the second run took than the first."""
    succeeded(results)
    one, many = results
    if one.wall <= 0:
        raise CannotJudge(f"{one.label} took no measurable time")
    return many.wall / one.wall


def ratio_choice(ratio: float) -> int:
    """0 "about the same", 1 "in between", 2 "about N times as long"."""
    if ratio < SAME_TIME_BELOW:
        return 0
    return 1 if ratio < SERIAL_FROM else 2


def too_close(ratio: float) -> float | None:
    """The line between choices that ``ratio`` is within ``MARGIN`` of, if any."""
    for line in (SAME_TIME_BELOW, SERIAL_FROM):
        if line / (1 + MARGIN) <= ratio <= line * (1 + MARGIN):
            return line
    return None


def judge_ratio(results: Results) -> int:
    """The choice for a (one, many) pair; ``TooClose`` near a line."""
    ratio = wall_ratio(results)
    line = too_close(ratio)
    if line is not None:
        one, many = results
        raise TooClose(
            f"too close to call on this machine: {ratio:.1f}x "
            f"({format_seconds(many.wall)} vs {format_seconds(one.wall)}, medians), "
            f"within {MARGIN:.0%} of the {line:g}x line between two answers"
        )
    return ratio_choice(ratio)


def plural(count: int, word: str, words: str) -> str:
    return f"{count} {word if count == 1 else words}"


def on_threads(threads: Sequence[str]) -> str:
    if not threads:
        return "on no thread"
    if len(threads) == 1:
        return f"on one thread ({threads[0]})"
    if len(threads) <= 3:
        return f"on {len(threads)} threads ({', '.join(threads)})"
    return f"on {len(threads)} different threads"


def explain_ratio(
    what: Callable[[RunResult], str], baseline: str, outcomes: tuple[str, ...]
) -> Callable[[Results], str]:
    """An ``explain`` for a (one, many) pair: ratio, both walls, outcome, threads."""

    def explain(results: Results) -> str:
        ratio = wall_ratio(results)
        one, many = results
        outcome = outcomes[judge_ratio(results)]
        return (
            f"{what(many)} took {ratio:.1f}x {baseline} ({format_seconds(many.wall)}"
            f" vs {format_seconds(one.wall)}, medians): {outcome}, "
            f"{on_threads(many.query_threads)}"
        )

    return explain


RATIO_BANDS = (
    f"< {SAME_TIME_BELOW:g}x",
    f"{SAME_TIME_BELOW:g}-{SERIAL_FROM:g}x",
    f"≥ {SERIAL_FROM:g}x",
)
"""The ratios ``ratio_choice`` gives each of the three choices, written from
its own lines, so what is shown is what decides."""


def ratio_bands(same: str, between: str, serial: str) -> tuple[str, str, str]:
    """Choices for a (one, many) question, shown beside ``RATIO_BANDS``.

    They say what each band means and no figure of their own: the band beside
    each is the rule the judge applies ("about five times as long" stood
    beside a line at three, and measured runs went past eight).
    """
    return (
        f"About the same time: {same}",
        f"Somewhere in between: {between}",
        f"Much longer: {serial}",
    )


RATIO_CHOICES = ratio_bands("they overlap", "they partly overlap", "one after another")
OVERLAP_OUTCOMES = ("they overlapped", "they partly overlapped", "they queued")


class QuizSession:
    """The questions put to the room one after another, and the score at the end.

    Args:
        questions: In the order they are asked.
    """

    def __init__(self, questions: Sequence[Question]) -> None:
        if not questions:
            raise ValueError("a quiz needs at least one question")
        self.questions = tuple(questions)
        self.rounds = [QuizRound(self.questions[0])]
        self.finished = False
        """True once ``next`` was asked past the last question: the score shows."""

    @property
    def round(self) -> QuizRound:
        """The question being asked now."""
        return self.rounds[-1]

    @property
    def number(self) -> int:
        """The current question's number, from 1."""
        return len(self.rounds)

    def next(self) -> None:
        """Move to the next question; past the last one, finish."""
        if len(self.rounds) < len(self.questions):
            self.rounds.append(QuizRound(self.questions[len(self.rounds)]))
        else:
            self.finished = True

    def score(self) -> tuple[int, int]:
        """(questions the room got right, questions judged with votes)."""
        judged = [r.room_was_right for r in self.rounds if r.room_was_right is not None]
        return sum(judged), len(judged)

    def summary(self) -> str:
        """``The room was right on 5 of 7 questions (right: 1, 2, ...; ...)``."""
        right, judged = self.score()
        marks = []
        for number, quiz_round in enumerate(self.rounds, start=1):
            verdict = quiz_round.room_was_right
            if quiz_round.too_close:
                marks.append(f"{number} too close to call")
            elif verdict is None:
                marks.append(f"{number} not voted")
            else:
                marks.append(f"{number} {'right' if verdict else 'wrong'}")
        asked = len(self.rounds)
        return (
            f"The room was right on {right} of {judged} questions with votes "
            f"({asked} asked): " + ", ".join(marks) + "."
        )
