"""What every live screen shares: the instruments' panels and the keys for them.

The demo's screen (``tui.ui.screens.main``) and a project's
(``tui.ui.screens.project``) differ in their left column and in what a key
fires; the heartbeat, the code panel, the runs table, the events, the stall
line, the presenter panels and the keys that drive them are the same, and
live here. A screen shows what the app hands down; it decides nothing about
running.
"""

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, Static

from tui.engine.client import RunResult
from tui.engine.probe import PingSample
from tui.engine.runs import RunSpec
from tui.instrument.formatting import describe_stall
from tui.instrument.loopstats import Sample, Stall
from tui.ui.messages import BlankScreen, PresenterClosed, ReplayRequested
from tui.ui.screens.stage import PanelT, Stage
from tui.ui.widgets.big_figure import BigFigure
from tui.ui.widgets.event_log import EventLog
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.heartbeat_panel import HeartbeatPanel
from tui.ui.widgets.lag_graph import LagGraph
from tui.ui.widgets.pattern_detail import SourceView
from tui.ui.widgets.results import ResultsTable, verdict_line
from tui.ui.widgets.stall_line import StallLine

if TYPE_CHECKING:
    from tui.engine.noise import NoiseReport
    from tui.engine.replay import Recording
    from tui.ui.screens.help import Section

MAX_ROWS = 200
"""Rows the runs table keeps (the engine keeps as many results)."""

LATENCY_KEYS = Binding.Group("Latency", compact=True)
"""``+-Latency`` as one entry of the key bar: it has to fit 80 columns."""

# The keys both screens have, each placed in its screen's BINDINGS in the
# order its key bar shows them.
LATENCY_UP = Binding(
    "plus,equals_sign",
    "app.latency(1)",
    "Latency+",
    key_display="+",
    group=LATENCY_KEYS,
)
LATENCY_DOWN = Binding(
    "minus", "app.latency(-1)", "Latency-", key_display="-", group=LATENCY_KEYS
)
FREEZE = Binding("f", "toggle_pause", "Freeze", tooltip="hold the graphs still")
CLEAR = Binding("x", "app.clear", "Clear", tooltip="runs, graphs and the stall line")
QUIT = Binding("q", "app.quit", "Quit", priority=True)
REPLAY = Binding("r", "replay", "Replay", show=False, tooltip="the last run, slowed")
SAVE = Binding(
    "w", "app.export", "Save", tooltip="export: JSON, CSV and a Chrome trace"
)
SVG = Binding("ctrl+s", "app.screenshot_svg", "SVG", show=False, tooltip="the screen")
LARGE = Binding("l", "toggle_large", "Large", tooltip="graphs and big figures")
SCALE = Binding("y", "toggle_scale", "Scale", tooltip="the graphs' scale")
BLANK = Binding("full_stop", "blank", "Blank", show=False, tooltip="a clicker's key")
HELP = Binding("question_mark,f1", "help", "Keys", show=False, tooltip="this list")


class LiveScreen(Screen[None]):
    """The panels every live screen has; subclasses add the left column.

    Args are the app's of the same names (see ``LoopbeatApp``), and
    ``keep_event``, given every event shown, for the session's exports.
    """

    presented_latency: var[tuple[float, str] | None] = var(None)
    """The latency the runs in front of the room have when they set their own
    (a tour step's, a pair's, a question's), and whose it is ("this step");
    None while the presenter's own (``+``/``-``) applies. The header shows it."""
    large: var[bool] = var(False)
    """Large mode: graphs and the last run's figure fill the screen (``l``)."""

    RUN_HEADING = "pattern"
    """What the runs table calls the column that names each run."""

    def __init__(
        self,
        *,
        burst: int,
        large: bool,
        live: bool,
        clock: Callable[[], float] = time.perf_counter,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
        keep_event: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        # Textual sets one class of each list on the screen as it is sized,
        # in one restyle; app.tcss collapses the layout by priority for each
        # (the README promises what each size shows). Set here: Textual's
        # class-level annotation for them is one no type checker accepts.
        self.HORIZONTAL_BREAKPOINTS = [(0, "narrow"), (110, "wide"), (150, "widest")]
        self.VERTICAL_BREAKPOINTS = [(0, "short"), (34, "tall"), (42, "tallest")]
        self.burst = burst
        self.set_reactive(LiveScreen.large, large)
        self._live = live
        self._clock = clock
        self._stamp = stamp
        self._keep_event = keep_event
        self.stage = Stage(self, self._presenters_closed)
        self._mounted = asyncio.Event()

    def compose_left(self) -> ComposeResult:
        """The left column: what can be run, and what it does."""
        yield from ()

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        with Horizontal(id="top"):
            with Vertical(id="left"):
                yield from self.compose_left()
            with Vertical(id="right"):
                yield HeartbeatPanel(id="heartbeat", clock=self._clock, live=self._live)
                yield BigFigure(id="big-figure")
                yield SourceView(id="source-view")
        with Horizontal(id="bottom"):
            yield ResultsTable(
                id="results", max_rows=MAX_ROWS, label_heading=self.RUN_HEADING
            )
            yield EventLog(id="log", stamp=self._stamp, keep=self._keep_event)
        yield StallLine(id="stall")
        yield Footer(compact=True)
        yield Static(id="blank")

    def on_mount(self) -> None:
        # Kept, not queried: the instruments call back until they are stopped,
        # which is after Textual has already taken the widgets off the screen.
        self.heartbeat = self.query_one(HeartbeatPanel)
        self.results_table = self.query_one(ResultsTable)
        self.stall_line = self.query_one(StallLine)
        self.events = self.query_one(EventLog)
        for selector, title in (
            ("#heartbeat", "heartbeat"),
            ("#results", "runs"),
            ("#log", "events"),
        ):
            self.query_one(selector).border_title = title
        self.mounted()
        self.set_class(self.large, "large")
        self.ready = True
        self._mounted.set()

    async def wait_mounted(self) -> None:
        """Return once the widgets are mounted (the instruments need them)."""
        await self._mounted.wait()

    def mounted(self) -> None:
        """The subclass's part of mounting (Textual calls every class's
        ``on_mount``, the subclass's first, so subclasses use this)."""

    def focus_list(self) -> None:
        """Give focus back to the left column's list."""

    def engine_ready(self) -> None:
        """The bench has started: Django is set up (a project lists its routes)."""

    def key_sections(self) -> "tuple[Section, ...]":
        """Every key of this screen, by where it works (``?`` lists them)."""
        return (("anywhere", (*self.BINDINGS, *self.app.BINDINGS)),)

    # --- what the app hands down -------------------------------------------------

    ready = False
    """Set once the widgets are mounted: what the instruments send before is
    not shown."""
    closing = False
    """Set as the app quits: the instruments call back until they are stopped,
    which is after Textual has taken the widgets off the screen."""
    READY_HINT = "press a pattern's key to run it"
    """Said in the events once the instruments are on."""

    def show_loop_item(self, item: Sample | Stall) -> None:
        """A heartbeat tick for the graph, or a stall for the stall line."""
        if self.closing or not self.ready:
            return
        if isinstance(item, Sample):
            self.heartbeat.record_lag(item.t, item.lag)
        else:
            self.show_stall(item)

    def show_ping(self, sample: PingSample) -> None:
        """A ping for the ping graph."""
        if self.ready and not self.closing:
            self.heartbeat.record_ping(sample.due, sample.latency)

    def show_noise(self, report: "NoiseReport") -> None:
        """The noise check's sentence in the events; a notice if it is busy."""
        self.events.add(report.sentence())
        if not report.quiet:
            self.notify(
                report.sentence(), title="machine busy", timeout=8, markup=False
            )

    def announce_ready(self, interval: float, mode: str) -> None:
        """Tell the presenter the instruments are on."""
        self.events.add(
            f"heartbeat every {interval * 1000:g} ms ({mode} mode); {self.READY_HINT}"
        )

    def run_started(self, number: int, spec: RunSpec) -> None:
        """A row for the run, a mark on the graph, and a line in the events."""
        self.results_table.add_running(number, spec.label)
        self.heartbeat.mark_run(number, self._clock())
        blocks = " (blocks the loop on purpose)" if spec.blocks_loop else ""
        self.events.add(f"#{number} {spec.label}: {spec.method} {spec.url}{blocks}")

    def run_finished(self, result: RunResult) -> None:
        """A finished run's figures in its row, the big figure and the events."""
        self.query_one(BigFigure).show(result)
        self.results_table.finish(result)
        self.stall_line.result = result
        self.heartbeat.end_run(result.number, self._clock())
        self.show_finished(result)
        work = f" ({result.causes.loop_work()})" if result.causes else ""
        self.events.add(
            f"#{result.number} {result.label}: {verdict_line(result)}{work}"
        )

    def show_finished(self, result: RunResult) -> None:
        """The subclass's panels follow a finished run (the code's stalled line)."""

    def run_failed(self, number: int | None, problem: str) -> None:
        """A run that raised instead of giving a result (None: before it began)."""
        if number is not None:
            self.results_table.fail(number, problem)
        self.events.add(f"#{number or '-'} failed: {problem}")

    def show_stall(self, stall: Stall) -> None:
        """A line in the events for every stall, whoever's it was."""
        self.events.add(describe_stall(stall))

    def clear(self) -> None:
        """Forget the runs, graphs and stall on screen."""
        self.results_table.clear()
        self.heartbeat.clear()
        self.stall_line.result = None
        self.events.add("cleared")

    # --- presenter panels ------------------------------------------------------------

    def presenter(self, kind: type[PanelT]) -> PanelT | None:
        """The presenter panel of ``kind`` if it was ever opened."""
        return self.stage.panel(kind)

    def open_presenter(
        self,
        kind: type[PanelT],
        *,
        detour: bool = False,
        make: Callable[[], PanelT] | None = None,
    ) -> PanelT:
        """Show a presenter panel in front (see ``tui.ui.screens.stage``)."""
        return self.stage.open(kind, detour=detour, make=make)

    def leave_presenter(self) -> None:
        """The panel in front is done: back to the lesson it interrupted, if any."""
        self.stage.leave()

    def close_presenters(self) -> None:
        """Hide every presenter panel; their keys resume them."""
        self.stage.close()

    def _presenters_closed(self) -> None:
        # The list takes focus back; the panels follow it again.
        self.presented_latency = None
        self.focus_list()

    def toggle_blank(self) -> None:
        """Black out the whole screen, or bring it back (measuring goes on)."""
        blank = self.query_one("#blank")
        blank.display = not blank.display

    @on(BlankScreen)
    def _blank_screen(self, message: BlankScreen) -> None:
        # A presenter's clicker asks from inside a panel; the screen decides.
        message.stop()
        self.toggle_blank()

    @on(PresenterClosed)
    def _presenter_closed(self, message: PresenterClosed) -> None:
        message.stop()
        self.leave_presenter()

    # --- keys ----------------------------------------------------------------------

    def action_replay(self) -> None:
        """Ask for the last run again, in slow motion."""
        self.post_message(ReplayRequested())

    def replay(self, recording: "Recording") -> None:
        """Play ``recording`` in the replay panel, on the live graphs' scale."""
        from tui.ui.widgets.replay_panel import ReplayPanel

        linear = self.query_one("#lag-graph", LagGraph).linear
        panel = self.open_presenter(ReplayPanel, detour=True)
        panel.play(recording, linear=linear)

    def action_help(self) -> None:
        """List every key, here and in each panel, from their bindings."""
        from tui.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.key_sections()))

    def action_blank(self) -> None:
        """Black out the screen for a moment of the talk (``.`` again to return)."""
        self.toggle_blank()

    def action_toggle_scale(self) -> None:
        """Switch the graphs between the log scale and a linear one."""
        for graph in self.query(LagGraph):
            graph.linear = not graph.linear
        linear = next(iter(self.query(LagGraph))).linear
        self.events.add(
            "graphs on a linear scale" if linear else "graphs on a log scale"
        )

    def watch_large(self, large: bool) -> None:
        self.set_class(large, "large")

    def action_toggle_large(self) -> None:
        """Large mode: graphs and the last run's figure fill the screen."""
        self.large = not self.large

    def action_toggle_pause(self) -> None:
        """Freeze or unfreeze the graphs (measuring goes on)."""
        self.heartbeat.paused = not self.heartbeat.paused
        self.events.add("graphs frozen" if self.heartbeat.paused else "graphs live")
