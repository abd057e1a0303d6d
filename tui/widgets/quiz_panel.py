"""Predict, then run: the room votes, the experiment answers, live."""

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.messages import PresenterClosed, RunRequested, RunsFinished
from tui.questions import QUESTIONS
from tui.quiz import CannotJudge, QuizRound

HINTS = "1-4: a vote   enter: run the experiment   n: next question   esc: leave"


class QuizPanel(Static, can_focus=True):
    """One question at a time: choices with their votes, then the measured answer.

    It asks the app for the question's runs (``RunRequested``) and judges
    the results it gets back (``RunsFinished``).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(i + 1), f"vote({i})", f"Vote {i + 1}", show=False)
            for i in range(4)
        ),
        Binding("enter", "run", "Run experiment"),
        Binding("n", "next", "Next question"),
        Binding("escape", "leave", "Leave quiz"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="presenter")
        self.index = 0
        self.round = QuizRound(QUESTIONS[0])
        self.running = False

    def on_mount(self) -> None:
        self.border_title = "predict, then run"

    def start(self) -> None:
        """Begin again at the first question (the panel is reused, not remade)."""
        self.index = 0
        self.round = QuizRound(QUESTIONS[0])
        self.show_round()

    def show_round(self) -> None:
        """Draw the question, the choices with their votes, and any answer."""
        round_, question = self.round, self.round.question
        text = Text()
        text.append(f"Question {self.index + 1} of {len(QUESTIONS)}: ", style="bold")
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
            text.append(f"Measured: {round_.explanation}", style="bold")
            verdict = round_.room_was_right
            if verdict is not None:
                text.append(
                    "  The room was right."
                    if verdict
                    else "  The room guessed otherwise.",
                    style="green" if verdict else "red",
                )
        else:
            runs = ", ".join(spec.label for spec in question.specs)
            text.append(f"Will run: {runs}", style="dim")
        text.append(f"\n{HINTS}", style="dim")
        self.update(text)

    def action_vote(self, choice: int) -> None:
        if self.round.vote(choice):
            self.show_round()

    def action_run(self) -> None:
        if self.running or self.round.revealed:
            return
        self.running = True
        self.show_round()
        self.post_message(RunRequested(self.round.question.runs, reply_to=self))

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
        self.index = (self.index + 1) % len(QUESTIONS)
        self.round = QuizRound(QUESTIONS[self.index])
        self.show_round()

    def action_leave(self) -> None:
        if not self.running:
            self.post_message(PresenterClosed())
