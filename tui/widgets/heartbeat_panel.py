"""The heartbeat: loop lag and ping latency on one shared log scale, live."""

import time
from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive

from tui.timeline import Timeline
from tui.widgets.lag_graph import LagGraph, StatsLine
from tui.widgets.pulse import Pulse

GRAPH_FPS = 10
COLUMN_SECONDS = 0.25


class HeartbeatPanel(Vertical):
    """Two graphs with their numbers, and the pulse that stops when the loop does.

    Data comes down from the app (``record_lag``, ``record_ping``,
    ``show_stats``); the panel only draws it.
    """

    paused: reactive[bool] = reactive(False)
    """When True the graphs hold still (data keeps being recorded)."""

    def __init__(
        self,
        *,
        id: str | None = None,
        clock: Callable[[], float] = time.perf_counter,
        live: bool = True,
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.live = live
        self.lag_timeline = Timeline(COLUMN_SECONDS)
        self.ping_timeline = Timeline(COLUMN_SECONDS)
        self._last_lag: float | None = None
        self._last_ping: float | None = None

    def compose(self) -> ComposeResult:
        yield StatsLine("loop lag", id="lag-stats")
        yield LagGraph(id="lag-graph")
        yield StatsLine("ping", id="ping-stats")
        yield LagGraph(id="ping-graph")
        yield Pulse(id="pulse", clock=self.clock)

    def on_mount(self) -> None:
        if self.live:
            self.set_interval(1 / GRAPH_FPS, self._frame)

    def on_resize(self) -> None:
        # The graphs' widths decide how many columns they show.
        self.call_after_refresh(self.redraw)

    def _frame(self) -> None:
        # One timer drives both, so each frame costs one screen update.
        self.query_one(Pulse).advance()
        self.redraw()

    def record_lag(self, t: float, lag: float) -> None:
        """A heartbeat tick at ``t`` that was ``lag`` seconds late."""
        self._last_lag = lag
        # A late tick means the loop was stuck for the whole lag before it.
        self.lag_timeline.add(t, lag, span=lag)

    def record_ping(self, due: float, latency: float) -> None:
        """A ping that was due at ``due`` and answered ``latency`` later."""
        self._last_ping = latency
        self.ping_timeline.add(due + latency, latency, span=latency)

    def show_stats(
        self,
        lag_max: float | None,
        lag_p99: float | None,
        ping_max: float | None,
        ping_p99: float | None,
    ) -> None:
        """Update the numbers beside the graphs (seconds, or None)."""
        self.query_one("#lag-stats", StatsLine).figures = (
            self._last_lag,
            lag_max,
            lag_p99,
        )
        self.query_one("#ping-stats", StatsLine).figures = (
            self._last_ping,
            ping_max,
            ping_p99,
        )

    def redraw(self) -> None:
        """Push the newest columns to the graphs (skipped while paused)."""
        if self.paused:
            return
        now = self.clock()
        for graph, timeline in (
            (self.query_one("#lag-graph", LagGraph), self.lag_timeline),
            (self.query_one("#ping-graph", LagGraph), self.ping_timeline),
        ):
            graph.values = tuple(timeline.values(now, graph.columns))

    def clear(self) -> None:
        """Forget the history on screen."""
        self.lag_timeline.clear()
        self.ping_timeline.clear()
        self.redraw()
