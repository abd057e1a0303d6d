"""Predict, then run: the room votes, the experiment answers, live."""

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.lessons.patterns import pattern_of
from tui.lessons.questions import QUESTIONS
from tui.lessons.quiz import CannotJudge, Question, QuizRound, QuizSession
from tui.ui.messages import (
    BlankScreen,
    PatternShown,
    PresenterClosed,
    RunRequested,
    RunsFinished,
    RunsProgress,
)

HINTS = "enter/pgdn: run, next  home: question 1  esc: leave  ?: keys"
"""With the vote hint, one line at 80 columns (``?`` lists the rest)."""


def vote_hint(choices: int) -> str:
    """``1-3: a vote`` for a question of three choices."""
    return f"1-{choices}: a vote"


def question_latency(question: Question) -> float | None:
    """The one latency every run of ``question`` has, or None if they differ."""
    latencies = {spec.latency_ms for spec in question.specs}
    return latencies.pop() if len(latencies) == 1 else None


class QuizPanel(Static, can_focus=True):
    """One question at a time: choices with their votes, then the measured answer.

    It asks the app for the question's runs (``RunRequested``) and judges
    the results it gets back (``RunsFinished``). What will run is not shown
    before the answer: the pattern's name would give it away. After the last
    question comes the score. Each request carries a token of its own: an
    answer for a question the quiz has left (it was restarted meanwhile) is
    ignored, never judged as another question's. The session is kept while
    the panel is hidden, so ``z`` resumes with the votes and the score.
    """

    # A presenter's clicker sends page down / page up, and often b or . to
    # blank the screen: here they do just that (b is a burst elsewhere).
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(i + 1), f"vote({i})", f"Vote {i + 1}", show=False)
            for i in range(4)
        ),
        Binding("enter,pagedown", "advance", "Run / next"),
        Binding("n", "next", "Next question"),
        Binding("home", "restart", "Question 1"),
        Binding("b,full_stop", "blank", "Blank", show=False),
        Binding("escape", "leave", "Leave quiz"),
    ]

    def __init__(
        self, questions: Sequence[Question] = QUESTIONS, *, id: str | None = None
    ) -> None:
        """``questions``: the quiz for the demo's database (``questions_for``)."""
        super().__init__(id=id, classes="presenter")
        self.questions = tuple(questions)
        self.session = QuizSession(self.questions)
        self._asked: object | None = None
        """The token of the request in flight."""
        self._progress = ""

    @property
    def running(self) -> bool:
        """True while the current question's runs are in flight."""
        return self._asked is not None

    def on_mount(self) -> None:
        self.border_title = "predict, then run"

    @property
    def round(self) -> QuizRound:
        """The question being asked now."""
        return self.session.round

    def start(self) -> None:
        """Begin again at the first question (the panel is reused, not remade).

        Runs still in flight for the old session are forgotten: their answer
        is not taken for the new first question.
        """
        self.session = QuizSession(self.questions)
        self._asked = None
        self.show_round()

    def resume(self) -> None:
        """Show the question where the quiz was left, votes and score kept."""
        self.show_round()

    def show_round(self) -> None:
        """Draw the question, the choices with their votes, and any answer."""
        if self.session.finished:
            self._show_score()
            return
        round_, question = self.round, self.round.question
        # The code would give the answer away: shown only once it is out.
        shown = pattern_of(question.specs[0]) if round_.revealed else None
        self.post_message(
            PatternShown(shown, question_latency(question), "this question")
        )
        text = Text()
        total = len(self.session.questions)
        text.append(f"Question {self.session.number} of {total}: ", style="bold")
        text.append(f"{question.prompt}\n", style="bold cyan")
        for i, (choice, votes) in enumerate(
            zip(question.choices, round_.tally, strict=True)
        ):
            right = round_.answer == i
            marker = "✔" if right else " "
            style = "bold green" if right else ""
            text.append(f" {marker} {i + 1}) {choice}", style=style)
            if question.bands:
                # The line the measured ratio is judged by, from tui/quiz.py.
                text.append(f"  ({question.bands[i]})", style="dim")
            if votes:
                text.append(f"  {'█' * min(votes, 30)} {votes}", style="yellow")
            text.append("\n")
        if self.running:
            text.append(f"measuring…{self._progress}", style="bold cyan")
        elif round_.revealed:
            explanation = (round_.explanation or "").rstrip(".")
            text.append(f"Measured: {explanation}.", style="bold")
            verdict = round_.room_was_right
            if verdict is not None:
                said = (
                    "The room was right." if verdict else "The room guessed otherwise."
                )
                text.append(f" {said}", style="green" if verdict else "red")
            runs = ", ".join(dict.fromkeys(spec.label for spec in question.specs))
            text.append(f"\nRan: {runs}", style="dim")
        else:
            text.append(f"{round_.total} votes so far", style="dim")
        text.append(f"\n{vote_hint(len(question.choices))}  {HINTS}", style="dim")
        self.update(text)

    def _show_score(self) -> None:
        text = Text()
        text.append("Quiz over. ", style="bold")
        text.append(self.session.summary(), style="bold cyan")
        text.append("\nenter / home: start again   esc: leave", style="dim")
        self.update(text)

    def action_vote(self, choice: int) -> None:
        if not self.session.finished and self.round.vote(choice):
            self.show_round()

    def action_advance(self) -> None:
        """Run the experiment; once answered, on to the next question."""
        if self.running:
            return
        if self.session.finished:
            self.start()
        elif self.round.revealed:
            self.action_next()
        else:
            self._asked = token = object()
            self._progress = ""
            self.show_round()
            runs = self.round.question.runs
            self.post_message(RunRequested(runs, reply_to=self, token=token))

    def action_run(self) -> None:
        """Run the experiment that answers the current question."""
        if not self.session.finished and not self.round.revealed:
            self.action_advance()

    def action_restart(self) -> None:
        """Back to question 1: votes and score start afresh."""
        self.start()

    @on(RunsProgress)
    def _runs_progress(self, message: RunsProgress) -> None:
        if message.token is self._asked and message.total > 1:
            self._progress = f" run {message.started} of {message.total}"
            self.show_round()

    @on(RunsFinished)
    def _runs_finished(self, message: RunsFinished) -> None:
        if self._asked is None or message.token is not self._asked:
            return  # not the answer to the question asked now
        self._asked = None
        if message.problem is None:
            try:
                self.round.record(message.results)
            except CannotJudge as error:
                self.notify(
                    str(error),
                    title="the runs could not answer",
                    severity="error",
                    markup=False,
                )
        self.show_round()

    def action_next(self) -> None:
        if self.running:
            return
        self.session.next()
        self.show_round()

    def action_blank(self) -> None:
        self.post_message(BlankScreen())

    def action_leave(self) -> None:
        # The session is kept, runs in flight included: ``z`` resumes here.
        self.post_message(PresenterClosed())
