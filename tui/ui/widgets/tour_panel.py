"""The guided tour, docked over the runs table while the heartbeat stays live."""

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.lessons.patterns import pattern_of
from tui.lessons.tour import Tour, TourAction
from tui.ui.messages import (
    BlankScreen,
    PatternShown,
    PresenterClosed,
    RunRequested,
    RunsFinished,
)

HINTS = (
    "space / page down: run, then next   backspace / page up: back   "
    "b / .: blank   esc: leave"
)


class TourPanel(Static, can_focus=True):
    """Shows the current step's caption, then the banner its run measured.

    It asks the app to run a step (``RunRequested``) and shows the answer
    (``RunsFinished``); the app decides whether and when the run happens.
    """

    # A presenter's clicker sends page down / page up, and often b or . to
    # blank the screen: here they do just that (b is a burst elsewhere).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,pagedown", "advance", "Run / next"),
        Binding("backspace,pageup", "back", "Back"),
        Binding("b,full_stop", "blank", "Blank", show=False),
        Binding("escape", "leave", "Leave tour"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="presenter")
        self.tour: Tour | None = None
        self._done = False

    def on_mount(self) -> None:
        self.border_title = "guided tour"

    def start(self, tour: Tour) -> None:
        """Begin ``tour`` from its first step (the panel is reused, not remade)."""
        self.tour = tour
        self._done = False
        self.show_step()

    def show_step(self) -> None:
        """Draw the current step: caption, what is running, or the banner."""
        if self.tour is None:
            return
        tour, step = self.tour, self.tour.step
        self.post_message(PatternShown(pattern_of(step.spec)))
        text = Text()
        text.append(f"Step {tour.number} of {len(tour.steps)}: ", style="bold")
        text.append(step.spec.title, style="bold cyan")
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
        if self._done:
            # Said in the panel: a notice would be drawn over it.
            text.append("\nThat was the last step: esc leaves the tour.", style="bold")
        text.append(f"\n{HINTS}", style="dim")
        self.update(text)

    def action_advance(self) -> None:
        if self.tour is None:
            return
        action = self.tour.advance()
        if action is TourAction.RUN:
            self.post_message(RunRequested((self.tour.step.spec,), reply_to=self))
        self._done = action is TourAction.DONE
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
            self._done = False
            self.show_step()

    def action_blank(self) -> None:
        self.post_message(BlankScreen())

    def action_leave(self) -> None:
        if self.tour is not None and self.tour.running:
            return
        self.tour = None
        self.post_message(PresenterClosed())
