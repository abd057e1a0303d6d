"""The guided tour, docked over the runs table while the heartbeat stays live."""

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.lessons.patterns import SQLITE, pattern_of
from tui.lessons.tour import Tour, TourAction
from tui.ui.messages import (
    BlankScreen,
    PatternShown,
    PresenterClosed,
    RunRequested,
    RunsFinished,
    RunsProgress,
)

HINTS = "space: run/next  enter: again  bksp: back  home: step 1  esc: leave  ?: keys"
"""One line at 80 columns: a panel that wraps takes the graphs' rows."""


class TourPanel(Static, can_focus=True):
    """Shows the current step's caption, then the banner its run measured.

    It asks the app to run a step (``RunRequested``) and shows the answer
    (``RunsFinished``); the app decides whether and when the run happens.
    Each request carries a token of its own: an answer to a request the
    panel no longer waits for (the tour was restarted meanwhile) is
    ignored, never shown as another step's measurement. The tour is kept
    while the panel is hidden, so ``o`` resumes where the speaker was.
    """

    # A presenter's clicker sends page down / page up, and often b or . to
    # blank the screen: here they do just that (b is a burst elsewhere).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,pagedown", "advance", "Run / next"),
        Binding("enter", "again", "Run again"),
        Binding("backspace,pageup", "back", "Back"),
        Binding("home", "restart", "Step 1"),
        Binding("b,full_stop", "blank", "Blank", show=False),
        Binding("escape", "leave", "Leave tour"),
    ]

    def __init__(self, *, backend: str = SQLITE, id: str | None = None) -> None:
        """``backend``: whose steps the script's restart reads (``load_tour``)."""
        super().__init__(id=id, classes="presenter")
        self.backend = backend
        self.tour: Tour | None = None
        self._done = False
        self._asked: tuple[object, int] | None = None
        """The token of the request in flight, and the step it runs."""
        self._progress = ""

    def on_mount(self) -> None:
        self.border_title = "guided tour"

    def start(self, tour: Tour) -> None:
        """Begin ``tour`` from its first step (the panel is reused, not remade).

        A run still in flight for the tour this replaces is forgotten: its
        answer will not be taken for the new tour's first step.
        """
        self.tour = tour
        self._done = False
        self._asked = None
        self.show_step()

    def resume(self) -> None:
        """Show the step the speaker left, as it was (``o`` again, or after a
        detour)."""
        self.show_step()

    @property
    def running(self) -> bool:
        """True while the current step's run is in flight."""
        return self._asked is not None

    def show_step(self) -> None:
        """Draw the current step: caption, what is running, or the banner."""
        if self.tour is None:
            return
        tour, step = self.tour, self.tour.step
        self.post_message(PatternShown(pattern_of(step.spec), step.spec.latency_ms))
        text = Text()
        text.append(f"Step {tour.number} of {len(tour.steps)}: ", style="bold")
        text.append(step.spec.title, style="bold cyan")
        if step.spec.burst > 1:
            text.append(f" x{step.spec.burst}", style="bold cyan")
        if step.spec.latency_ms is not None:
            text.append(f"  (latency {step.spec.latency_ms:g} ms)", style="dim")
        text.append(f"\n{step.caption}\n")
        banner = tour.banner()
        if self.running:
            text.append(f"running…{self._progress}", style="bold cyan")
        elif banner is not None:
            failed = tour.result is not None and (
                tour.result.error or tour.result.froze_loop
            )
            style = "bold reverse red" if failed else "bold reverse green"
            text.append(f" {banner} ", style=style)
        if self._done:
            # Said in the panel: a notice would be drawn over it.
            text.append(
                "\nThat was the last step: home goes back to step 1, esc leaves.",
                style="bold",
            )
        text.append(f"\n{HINTS}", style="dim")
        self.update(text)

    def _run_step(self) -> None:
        assert self.tour is not None
        token = object()
        self._asked = (token, self.tour.index)
        self._progress = ""
        self.post_message(
            RunRequested((self.tour.step.spec,), reply_to=self, token=token)
        )

    def action_advance(self) -> None:
        if self.tour is None:
            return
        action = self.tour.advance()
        if action is TourAction.RUN:
            self._run_step()
        self._done = action is TourAction.DONE
        self.show_step()

    def action_again(self) -> None:
        """Run the current step again (its new measurement replaces the old)."""
        if self.tour is None or self.tour.running:
            return
        self.tour.start_run()
        self._done = False
        self._run_step()
        self.show_step()

    def action_restart(self) -> None:
        """Back to step 1 with nothing measured, the script read again."""
        from tui.lessons.tour import TourError, load_tour

        if self.tour is None:
            return
        path = getattr(self.screen, "tour_path", None)
        try:
            steps = load_tour(path, self.backend)
        except TourError as error:
            self.notify(str(error), title="tour", severity="error", markup=False)
            return
        self.start(Tour(steps))

    @on(RunsProgress)
    def _runs_progress(self, message: RunsProgress) -> None:
        asked = self._asked
        if asked is not None and message.token is asked[0] and message.total > 1:
            self._progress = f" run {message.started} of {message.total}"
            self.show_step()

    @on(RunsFinished)
    def _runs_finished(self, message: RunsFinished) -> None:
        if self.tour is None or self._asked is None:
            return
        token, index = self._asked
        if message.token is not token:
            return  # an answer for a tour that was restarted since
        self._asked = None
        if message.results:
            self.tour.record(message.results[0], index)
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
        # The tour is kept, a run in flight included: ``o`` resumes at this
        # step, with what it measured.
        self.post_message(PresenterClosed())
