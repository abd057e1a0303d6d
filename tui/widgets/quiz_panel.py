"""Predict, then run: the room votes, the experiment answers, live."""

from types import SimpleNamespace
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.quiz import QUESTIONS, ExperimentFailed, QuizRound, run_experiments

HINTS = "1-4: a vote   enter: run the experiment   n: next question   esc: leave"


class QuizPanel(Static, can_focus=True):
    """One question at a time: choices with their votes, then the measured answer."""

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
            runs = ", ".join(e.label for e in question.experiments)
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
        self.run_worker(self._measure(), name="quiz experiment", group="quiz")

    async def _measure(self) -> None:
        app = self.app
        try:
            if not app.can_start():
                return
            # The app's run_measured is runner-shaped, so each run also gets
            # its row in the table; run_experiments restores the latency.
            runner = SimpleNamespace(run=app.run_measured)
            self.round.record(await run_experiments(self.round.question, runner))
        except ExperimentFailed as error:
            app.notify(
                str(error), title="the experiment could not answer", severity="error"
            )
        finally:
            app.show_latency()
            self.running = False
            self.show_round()

    def action_next(self) -> None:
        if self.running:
            return
        self.index = (self.index + 1) % len(QUESTIONS)
        self.round = QuizRound(QUESTIONS[self.index])
        self.show_round()

    def action_leave(self) -> None:
        if not self.running:
            self.app.close_presenter()
