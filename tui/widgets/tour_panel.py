"""The guided tour, docked over the runs table while the heartbeat stays live."""

from types import SimpleNamespace
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Static

from demoapp import netsim
from tui.tour import Tour, TourAction, run_step

HINTS = "space: run / next   backspace: back   esc: leave the tour"


class TourPanel(Static, can_focus=True):
    """Shows the current step's caption, then the banner its run measured."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "advance", "Run / next"),
        Binding("backspace", "back", "Back"),
        Binding("escape", "leave", "Leave tour"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="presenter")
        self.tour: Tour | None = None
        self._latency_before = 0.0

    def on_mount(self) -> None:
        self.border_title = "guided tour"

    def start(self, tour: Tour) -> None:
        """Begin ``tour`` from its first step (the panel is reused, not remade)."""
        self.tour = tour
        self._latency_before = netsim.latency_ms()
        self.show_step()

    def show_step(self) -> None:
        """Draw the current step: caption, what is running, or the banner."""
        tour, step = self.tour, self.tour.step
        text = Text()
        text.append(f"Step {tour.number} of {len(tour.steps)}: ", style="bold")
        text.append(step.pattern.title, style="bold cyan")
        if step.burst > 1:
            text.append(f" x{step.burst}", style="bold cyan")
        if step.latency_ms is not None:
            text.append(f"  (latency {step.latency_ms:g} ms)", style="dim")
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
        action = self.tour.advance()
        if action is TourAction.RUN:
            # In a worker, so esc and the graphs stay live while it runs.
            self.run_worker(self._run_step(), name="tour step", group="tour")
        elif action is TourAction.DONE:
            self.app.notify("That was the last step; esc leaves the tour", timeout=3)
        self.show_step()

    async def _run_step(self) -> None:
        app = self.app
        if not app.can_start():
            self.tour.abandon_run()
            self.show_step()
            return
        try:
            # run_measured is runner-shaped: the step gets its row in the table.
            result = await run_step(
                self.tour.step, SimpleNamespace(run=app.run_measured)
            )
            app.show_latency()
        except Exception:
            self.tour.abandon_run()
            self.show_step()
            raise
        self.tour.record(result)
        self.show_step()

    def action_back(self) -> None:
        if self.tour.back():
            self.show_step()

    def action_leave(self) -> None:
        if self.tour.running:
            return
        netsim.set_latency_ms(self._latency_before)
        self.app.show_latency()
        self.app.close_presenter()
        self.tour = None
