"""The last run again, in slow motion, stretched across the screen's width.

The recording (``tui.engine.replay``) is drawn on the same kind of graphs as the
live heartbeat, but each column is a few milliseconds instead of a quarter
of a second, and the picture unfolds up to ten times slower than it
happened: a 600 ms freeze takes six seconds to grow, long enough to point
at. The stall the loop is in at each moment is named above the graphs.
"""

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Static

from tui.engine.replay import Recording, columns, run_columns
from tui.instrument.formatting import format_seconds
from tui.ui.messages import BlankScreen, PresenterClosed, ReplayRequested
from tui.ui.widgets.lag_graph import LABEL_WIDTH, LagGraph

FPS = 10
"""Frames a second while the replay plays."""
HINTS = "enter/pgdn: again  space: pause  r: newest run  b/.: blank  esc: leave"
AXIS_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
"""Candidate distances (seconds) between the time axis's labels."""
AXIS_GAP = 12
"""Fewest columns between two labels of the time axis."""


def time_axis(since: float, column_seconds: float, count: int) -> str:
    """``-0.5 s┴ … 0┴ … +0.5 s┴``: seconds from the run's start, column for column.

    ``since`` is where column 0 starts, relative to the run's start.
    """
    cells = [" "] * count
    step = next(
        (s for s in AXIS_STEPS if s / column_seconds >= AXIS_GAP), AXIS_STEPS[-1]
    )
    first = int(since // step) + 1
    for k in range(first, first + count):
        at = k * step
        column = round((at - since) / column_seconds)
        if column >= count:
            break
        label = "0┴" if k == 0 else f"{at:+g} s┴"
        start = column - len(label) + 1
        if start >= 0 and all(c == " " for c in cells[max(0, start - 1) : column + 1]):
            cells[start : column + 1] = label
    return "".join(cells)


class ReplayPanel(Vertical, can_focus=True):
    """A run's loop lag and pings, replayed slower than they happened.

    The app hands it a recording (``play``); it only draws. Measuring goes on
    meanwhile: the live graphs above keep moving.
    """

    DETOUR = True
    """Left, it returns to the tour or quiz it was opened over."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,pagedown", "again", "Play again"),
        Binding("r", "newest", "Replay the newest run", show=False),
        Binding("space", "pause", "Pause"),
        Binding("b,full_stop", "blank", "Blank", show=False),
        Binding("escape", "leave", "Leave"),
    ]

    DEFAULT_CSS = """
    ReplayPanel #replay-lag {
        height: 4;
    }
    ReplayPanel #replay-ping {
        height: 3;
    }
    ReplayPanel Static {
        height: 1;
    }
    ReplayPanel #replay-status {
        height: 2;
    }
    """

    def __init__(
        self, *, id: str | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(id=id, classes="presenter")
        self.recording: Recording | None = None
        self.clock = clock
        self.elapsed = 0.0
        """Seconds of replay played so far (pauses excluded)."""
        self.paused = False
        self._resumed_at = 0.0
        self._timer: Timer | None = None
        self._linear = False
        self._ready = False
        self._axis_key: tuple[float, float, int] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="replay-status")
        yield Static(id="replay-lag-label")
        yield LagGraph(id="replay-lag")
        yield Static(id="replay-ping-label")
        yield LagGraph(id="replay-ping")
        yield Static(id="replay-axis")
        yield Static(Text(HINTS, style="dim"), id="replay-hints")

    def on_mount(self) -> None:
        self.border_title = "replay"
        self.focus()
        self._ready = True
        if self.recording is not None:
            # Handed its recording before it was composed: play it now.
            self.play(self.recording, linear=self._linear)

    def play(self, recording: Recording, *, linear: bool = False) -> None:
        """Play ``recording`` from its start, on the scale the live graphs use."""
        self.recording, self._linear = recording, linear
        if not self._ready:
            return  # on_mount plays it
        # Each graph's linear top fits its whole recording from the start,
        # so the scale holds still while the run unfolds.
        for graph, events in (
            (self.query_one("#replay-lag", LagGraph), recording.lags),
            (self.query_one("#replay-ping", LagGraph), recording.pings),
        ):
            graph.linear = linear
            graph.linear_at_least = max((value for _, value in events), default=0.0)
        self.border_title = (
            f"replay of #{recording.number} {recording.label} · "
            f"{recording.slowdown}x slower than it happened"
        )
        self.action_again()

    @property
    def finished(self) -> bool:
        """Whether the replay has reached the end of the recording."""
        recording = self.recording
        return recording is None or recording.moment(self._played()) >= recording.until

    def _played(self) -> float:
        if self.paused or self._timer is None:
            return self.elapsed
        return self.elapsed + self.clock() - self._resumed_at

    def _frame(self) -> None:
        if self.redraw():
            self._stop_timer()

    def on_hide(self) -> None:
        # Hidden (another panel opened, or esc): a timer left running would
        # redraw unseen, on the loop being measured, for up to a minute.
        if self._timer is not None:
            self._stop_timer()
            self.paused = not self.finished

    def on_resize(self) -> None:
        # The graphs' widths decide the columns: draw the recording again.
        self.call_after_refresh(self.redraw)

    def _stop_timer(self) -> None:
        self.elapsed = self._played()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def action_again(self) -> None:
        """Play the recording again from its start."""
        self._stop_timer()
        self.elapsed = 0.0
        self.paused = False
        self._resumed_at = self.clock()
        self._timer = self.set_interval(1 / FPS, self._frame)
        self.redraw()

    def action_pause(self) -> None:
        """Hold the replay still, or go on from where it was held."""
        if self.finished:
            return
        if self.paused:
            self.paused = False
            self._resumed_at = self.clock()
            self._timer = self.set_interval(1 / FPS, self._frame)
        else:
            self._stop_timer()
            self.paused = True
        self.redraw()

    def action_newest(self) -> None:
        """Ask for the newest finished run (one may have ended meanwhile)."""
        self.post_message(ReplayRequested())

    def action_blank(self) -> None:
        self.post_message(BlankScreen())

    def action_leave(self) -> None:
        self._stop_timer()
        self.post_message(PresenterClosed())

    def redraw(self) -> bool:
        """Draw the recording up to the moment the replay has reached.

        Returns whether that is the end of it (the clock is read once, so
        the last picture drawn is the end's).
        """
        recording = self.recording
        if recording is None or not self._ready:
            return False
        moment = recording.moment(self._played())
        at_end = moment >= recording.until
        lag_graph = self.query_one("#replay-lag", LagGraph)
        count = lag_graph.columns
        column_seconds = recording.span / count
        lags = columns(recording.lags, recording.since, column_seconds, count, moment)
        pings = columns(recording.pings, recording.since, column_seconds, count, moment)
        first, last = run_columns(recording, column_seconds, count)
        lag_graph.marks = ((first, last, f"#{recording.number}"),)
        lag_graph.values = tuple(lags)
        self.query_one("#replay-ping", LagGraph).values = tuple(pings)
        self._draw_text(recording, moment, at_end, lags, pings)
        axis_key = (recording.since - recording.started, column_seconds, count)
        if axis_key != self._axis_key:
            self._axis_key = axis_key
            axis = time_axis(*axis_key)
            self.query_one("#replay-axis", Static).update(
                Text(" " * LABEL_WIDTH + axis, style="dim", no_wrap=True),
                layout=False,
            )
        return at_end

    def _draw_text(
        self,
        recording: Recording,
        moment: float,
        at_end: bool,
        lags: list[float | None],
        pings: list[float | None],
    ) -> None:
        # Every line has a fixed height (DEFAULT_CSS), so no update needs a
        # layout of the screen: ten a second would cost the loop measured.
        status = Text(no_wrap=True, overflow="ellipsis")
        state = "❚❚ paused" if self.paused else ("■ played" if at_end else "▶")
        status.append(f"{state}  t = {moment - recording.started:+.2f} s", style="bold")
        took = format_seconds(recording.ended - recording.started)
        status.append(
            f"   (t = 0 when the run went out; its last byte came back at {took})",
            style="dim",
        )
        stall = recording.stall_at(moment)
        if stall is not None:
            status.append(f"\n{stall.text}", style="bold red")
        elif at_end and recording.verdict:
            status.append(f"\n{recording.verdict}", style="bold")
        self.query_one("#replay-status", Static).update(status, layout=False)
        for label_id, name, values in (
            ("#replay-lag-label", "loop lag", lags),
            ("#replay-ping-label", "ping", pings),
        ):
            worst = max((v for v in values if v is not None), default=None)
            label = Text(f"{name}", style="bold", no_wrap=True)
            label.append(f"   worst so far {format_seconds(worst)}", style="dim")
            self.query_one(label_id, Static).update(label, layout=False)
