"""The guided tour, docked over the runs table while the heartbeat stays live."""

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.messages import PresenterClosed, RunRequested, RunsFinished
from tui.tour import Tour, TourAction

HINTS = "space: run / next   backspace: back   esc: leave the tour"


class TourPanel(Static, can_focus=True):
    """Shows the current step's caption, then the banner its run measured.

    It asks the app to run a step (``RunRequested``) and shows the answer
    (``RunsFinished``); the app decides whether and when the run happens.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "advance", "Run / next"),
        Binding("backspace", "back", "Back"),
        Binding("escape", "leave", "Leave tour"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="presenter")
        self.tour: Tour | None = None

    def on_mount(self) -> None:
        self.border_title = "guided tour"

    def start(self, tour: Tour) -> None:
        """Begin ``tour`` from its first step (the panel is reused, not remade)."""
        self.tour = tour
        self.show_step()

    def show_step(self) -> None:
        """Draw the current step: caption, what is running, or the banner."""
        if self.tour is None:
            return
        tour, step = self.tour, self.tour.step
        text = Text()
        text.append(f"Step {tour.number} of {len(tour.steps)}: ", style="bold")
        text.append(step.spec.pattern.title, style="bold cyan")
        if step.spec.burst > 1:
            text.append(f" x{step.spec.burst}", style="bold cyan")
        if step.spec.latency_ms is not None:
            text.append(f"  (latency {step.spec.latency_ms:g} ms)", style="dim")
        text.append(f"\n{step.caption}\n")
        banner = tour.banner()
        if tour.running:
            text.append("running…", style="bold cyan")
        elif banner is not None:
            failed = tour.result is not None and (
                tour.result.error or tour.result.froze_loop
            )
            style = "bold reverse red" if failed else "bold reverse green"
            text.append(f" {banner} ", style=style)
        text.append(f"\n{HINTS}", style="dim")
        self.update(text)

    def action_advance(self) -> None:
        if self.tour is None:
            return
        action = self.tour.advance()
        if action is TourAction.RUN:
            self.post_message(RunRequested((self.tour.step.spec,), reply_to=self))
        elif action is TourAction.DONE:
            self.notify("That was the last step; esc leaves the tour", timeout=3)
        self.show_step()

    @on(RunsFinished)
    def _runs_finished(self, message: RunsFinished) -> None:
        if self.tour is None or not self.tour.running:
            return
        if message.results:
            self.tour.record(message.results[0])
        else:
            # Refused or failed: the app has said why; Space tries again.
            self.tour.abandon_run()
        self.show_step()

    def action_back(self) -> None:
        if self.tour is not None and self.tour.back():
            self.show_step()

    def action_leave(self) -> None:
        if self.tour is not None and self.tour.running:
            return
        self.tour = None
        self.post_message(PresenterClosed())
