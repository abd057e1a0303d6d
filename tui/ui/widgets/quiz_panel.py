"""Predict, then run: the room votes, the experiment answers, live."""

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.lessons.patterns import pattern_of
from tui.lessons.questions import QUESTIONS
from tui.lessons.quiz import CannotJudge, QuizRound, QuizSession
from tui.ui.messages import (
    BlankScreen,
    PatternShown,
    PresenterClosed,
    RunRequested,
    RunsFinished,
)

HINTS = "1-4: a vote   enter / page down: run, then next   b / .: blank   esc: leave"


class QuizPanel(Static, can_focus=True):
    """One question at a time: choices with their votes, then the measured answer.

    It asks the app for the question's runs (``RunRequested``) and judges
    the results it gets back (``RunsFinished``). What will run is not shown
    before the answer: the pattern's name would give it away. After the last
    question comes the score.
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
        Binding("b,full_stop", "blank", "Blank", show=False),
        Binding("escape", "leave", "Leave quiz"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="presenter")
        self.session = QuizSession(QUESTIONS)
        self.running = False

    def on_mount(self) -> None:
        self.border_title = "predict, then run"

    @property
    def round(self) -> QuizRound:
        """The question being asked now."""
        return self.session.round

    def start(self) -> None:
        """Begin again at the first question (the panel is reused, not remade)."""
        self.session = QuizSession(QUESTIONS)
        self.show_round()

    def show_round(self) -> None:
        """Draw the question, the choices with their votes, and any answer."""
        if self.session.finished:
            self._show_score()
            return
        round_, question = self.round, self.round.question
        # The code would give the answer away: shown only once it is out.
        shown = pattern_of(question.specs[0]) if round_.revealed else None
        self.post_message(PatternShown(shown))
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
            if votes:
                text.append(f"  {'█' * min(votes, 30)} {votes}", style="yellow")
            text.append("\n")
        if self.running:
            text.append("measuring…", style="bold cyan")
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
        text.append(f"\n{HINTS}", style="dim")
        self.update(text)

    def _show_score(self) -> None:
        text = Text()
        text.append("Quiz over. ", style="bold")
        text.append(self.session.summary(), style="bold cyan")
        text.append("\nenter: start again   esc: leave", style="dim")
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
            self.running = True
            self.show_round()
            self.post_message(RunRequested(self.round.question.runs, reply_to=self))

    def action_run(self) -> None:
        """Run the experiment that answers the current question."""
        if not self.session.finished and not self.round.revealed:
            self.action_advance()

    @on(RunsFinished)
    def _runs_finished(self, message: RunsFinished) -> None:
        if not self.running:
            return
        self.running = False
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
        if not self.running:
            self.post_message(PresenterClosed())
