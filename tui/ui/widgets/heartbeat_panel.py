"""The heartbeat: loop lag and ping latency on one shared log scale, live."""

import math
import time
from collections import deque
from collections.abc import Callable, Iterable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.timer import Timer

from tui.instrument.loopstats import Sample
from tui.ui.timeline import Timeline
from tui.ui.widgets.graph_lines import StatsLine, TimeAxis
from tui.ui.widgets.lag_graph import LagGraph, Mark
from tui.ui.widgets.pulse import Pulse

COLUMN_SECONDS = 0.25
BUSY_FPS = 10
"""Frames a second while requests are in flight: a freeze is seen to start."""
CALM_FPS = 2
"""Frames a second between experiments (two graph columns a frame). Each frame
is a screen update written to the terminal, the idle app's largest cost; at
this rate the whole app idles at about 2.5 % of one core (benchmarks/ui_idle.py).
"""
CALM_FIGURES_SECONDS = 2.0
"""How often the figures beside the graphs are recomputed between runs: they
cover 30 s, and an idle loop changes them little (each costs about 1 ms)."""
MARKED_RUNS = 64
"""Runs remembered for the marks along the lag graph's top."""
LINGER_SECONDS = 3.0
"""How long the busy rate outlasts the last request, so the aftermath (pings
catching up, the last columns) is drawn as smoothly as the run."""


Figures = tuple[float | None, float | None, float | None, float | None] | None
"""Lag max, lag p99, ping max and ping p99 in seconds; None before any."""


class HeartbeatPanel(Vertical):
    """Two graphs with their numbers, and the pulse that stops when the loop does.

    Data comes down from the app (``record_lag``, ``record_ping``,
    ``show_stats``); the panel only draws it.
    """

    paused: reactive[bool] = reactive(False)
    """When True the graphs hold still (data keeps being recorded)."""

    frozen_at: float | None = None
    """The clock when the graphs froze; the figures describe up to then."""

    cleared_at: float | None = None
    """The clock at the last clear; the figures describe only what came after."""

    busy: reactive[bool] = reactive(False, repaint=False)
    """True while requests are in flight; the owner sets it. Animates faster.
    It changes no pixel itself: a repaint of the whole panel at every run's
    start and end cost 5-10 ms at 160x45 (``benchmarks/frame_cost.py``)."""

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
        self._frames: Timer | None = None
        self._fps = 0.0
        self._calm_from = 0.0
        self._figures: Callable[[], None] | None = None
        self._figures_every = 0.0
        self._figures_due = 0.0
        self._ticks: Callable[[float], Iterable[Sample]] | None = None
        self._ticks_seen = -math.inf
        self._runs: deque[tuple[int, float, float | None]] = deque(maxlen=MARKED_RUNS)

    def compose(self) -> ComposeResult:
        yield StatsLine("loop lag", id="lag-stats")
        yield LagGraph(id="lag-graph")
        yield StatsLine("ping", id="ping-stats")
        yield LagGraph(id="ping-graph")
        yield TimeAxis(COLUMN_SECONDS, id="time-axis")
        yield Pulse(id="pulse", clock=self.clock)

    def on_mount(self) -> None:
        if self.live:
            self._set_frame_rate(CALM_FPS)

    @property
    def shown_seconds(self) -> float:
        """The stretch of time the graphs show, which their figures summarise."""
        return self.query_one("#lag-graph", LagGraph).columns * COLUMN_SECONDS

    @property
    def frame_rate(self) -> float:
        """Frames a second the panel is animating at now (0 when not live)."""
        return self._fps

    def _set_frame_rate(self, fps: float) -> None:
        if fps == self._fps:
            return
        if self._frames is not None:
            self._frames.stop()
        self._fps = fps
        self._frames = self.set_interval(1 / fps, self._frame)

    def update_figures_every(self, seconds: float, read: Callable[[], Figures]) -> None:
        """Show what ``read`` returns beside the graphs about every ``seconds``.

        ``read`` gives (lag max, lag p99, ping max, ping p99), or None while
        there is nothing yet. It is driven by the animation timer, so the
        numbers repaint with the graphs instead of in a screen update of their
        own, and it stops when the panel is removed.
        """

        def update() -> None:
            figures = read()
            if figures is not None:
                self.show_stats(*figures)

        self._figures, self._figures_every = update, seconds

    def take_ticks_from(self, read: Callable[[float], Iterable[Sample]]) -> None:
        """Take the heartbeat's ticks from ``read(since)`` at every frame.

        ``read`` gives the ticks taken at ``since`` or later, oldest first
        (``LoopMonitor.samples``); the panel asks from just after the last
        tick it took. Read in bulk as a frame is drawn, the graph gets them
        no later than it shows them, and the loop is spared a call into the
        screen at every tick (200 a second at the 5 ms interval).
        """
        self._ticks = read

    def watch_busy(self, busy: bool) -> None:
        if not self.live:
            return
        if busy:
            self._set_frame_rate(BUSY_FPS)
            self._figures_due = 0.0  # from the calm pace back to the busy one
        else:
            self._calm_from = self.clock() + LINGER_SECONDS

    def on_resize(self) -> None:
        # The graphs' widths decide how many columns they show.
        self.call_after_refresh(self.redraw)

    def _frame(self) -> None:
        # One timer drives the numbers, the pulse and the graphs, so each frame
        # costs one screen update.
        now = self.clock()
        # Half a frame of slack: timers fire a little late or early, and a
        # strict comparison would skip every other refresh at the calm rate.
        slack = 0.5 / self._fps
        if self._figures is not None and now >= self._figures_due - slack:
            calm = self._fps == CALM_FPS
            every = max(self._figures_every, CALM_FIGURES_SECONDS if calm else 0.0)
            self._figures_due = now + every
            # A callback of its own: reading 30 s of samples costs about 2 ms,
            # and in the frame's callback it would hold the loop that much
            # longer at once. Its repaint still lands in the next frame.
            self.call_later(self._figures)
        if self._ticks is not None:
            for sample in self._ticks(math.nextafter(self._ticks_seen, math.inf)):
                self.record_lag(sample.t, sample.lag)
                self._ticks_seen = sample.t
        self.query_one(Pulse).advance()
        self.redraw()
        if not self.busy and now >= self._calm_from:
            self._set_frame_rate(CALM_FPS)

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

    def watch_paused(self, paused: bool) -> None:
        # Said where the eye already is: a frozen graph must not pass for live.
        self.frozen_at = self.clock() if paused else None
        self.border_title = (
            "heartbeat · FROZEN: f resumes, the figures are the frozen picture's"
            if paused
            else "heartbeat"
        )
        self.set_class(paused, "frozen")

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
        lag_graph = self.query_one("#lag-graph", LagGraph)
        lag_graph.marks = self._marks(now, lag_graph.columns)

    def mark_run(self, number: int, started: float) -> None:
        """A run began at ``started`` (the panel's clock)."""
        self._runs.append((number, started, None))

    def end_run(self, number: int, ended: float) -> None:
        """Run ``number`` ended at ``ended``."""
        self._runs = deque(
            (n, s, ended if n == number else e) for n, s, e in self._runs
        )
        self._runs = deque(self._runs, maxlen=MARKED_RUNS)

    def _marks(self, now: float, count: int) -> tuple[Mark, ...]:
        """Each run's first and last column on a graph ``count`` columns wide."""
        newest = math.floor(now / COLUMN_SECONDS)
        oldest = newest - count + 1
        marks = []
        for number, started, ended in self._runs:
            first = math.floor(started / COLUMN_SECONDS) - oldest
            last = math.floor((ended if ended is not None else now) / COLUMN_SECONDS)
            last -= oldest
            if last >= 0 and first < count:
                marks.append((max(first, 0), min(last, count - 1), f"#{number}"))
        return tuple(marks)

    def clear(self) -> None:
        """Forget the history on screen, and the figures with it."""
        self.lag_timeline.clear()
        self.ping_timeline.clear()
        self._runs.clear()
        self.cleared_at = self.clock()
        self._last_lag = self._last_ping = None
        self.show_stats(None, None, None, None)
        self.redraw()
