"""The one screen: patterns, heartbeat, code, runs, events and the stall line.

The screen lays the widgets out, turns pattern keys into ``RunRequested``
messages and shows what the app hands down (runs starting and finishing,
stalls, events). It decides nothing about running.
"""

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static

from tui.engine.client import RunResult
from tui.engine.probe import PingSample
from tui.engine.runs import RunSpec
from tui.instrument.formatting import describe_stall
from tui.instrument.loopstats import Sample, Stall
from tui.lessons.patterns import PATTERNS, Pattern, find, views_line
from tui.ui.messages import (
    BlankScreen,
    PatternShown,
    PresenterClosed,
    ReplayRequested,
    RunRequested,
)
from tui.ui.screens.stage import PanelT, Stage
from tui.ui.widgets.big_figure import BigFigure
from tui.ui.widgets.event_log import EventLog
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.heartbeat_panel import HeartbeatPanel
from tui.ui.widgets.lag_graph import LagGraph
from tui.ui.widgets.pattern_detail import Explanation, SourceView
from tui.ui.widgets.pattern_list import PatternList
from tui.ui.widgets.results import ResultsTable, verdict_line
from tui.ui.widgets.stall_line import StallLine, worst_stall

MAX_ROWS = 200
"""Rows the runs table keeps (the engine keeps as many results)."""

if TYPE_CHECKING:
    from tui.engine.noise import NoiseReport
    from tui.engine.replay import Recording

LATENCY_KEYS = Binding.Group("Latency", compact=True)
"""``+-Latency`` as one entry of the key bar: it has to fit 80 columns."""


class MainScreen(Screen[None]):
    """Everything a presenter needs on one screen."""

    presented_latency: var[tuple[float, str] | None] = var(None)
    large: var[bool] = var(False)
    """Large mode: graphs and the last run's figure fill the screen (``l``)."""
    """The latency the runs in front of the room have when they set their own
    (a tour step's, a pair's, a question's), and whose it is ("this step");
    None while the presenter's own (``+``/``-``) applies. The header shows it."""

    # In the footer's order: what a presenter needs most first, and Quit
    # early, so narrow terminals show it too. "app." actions are the app's.
    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(p.key, f"run('{p.name}')", p.title, show=False, tooltip=p.url)
            for p in PATTERNS
        ),
        Binding("enter", "run_selected", "Run selected", show=False),
        Binding("b", "burst", "Burst", tooltip="the selected pattern, concurrently"),
        Binding(
            "plus,equals_sign",
            "app.latency(1)",
            "Latency+",
            key_display="+",
            group=LATENCY_KEYS,
        ),
        Binding(
            "minus", "app.latency(-1)", "Latency-", key_display="-", group=LATENCY_KEYS
        ),
        Binding("f", "toggle_pause", "Freeze", tooltip="hold the graphs still"),
        Binding("x", "app.clear", "Clear", tooltip="runs, graphs and the stall line"),
        Binding("q", "app.quit", "Quit", priority=True),
        Binding("o", "tour", "Tour", tooltip="the guided tour, step by step"),
        Binding("z", "quiz", "Quiz", tooltip="predict, then run"),
        # Not on the key bar, which has no room left at 80 columns.
        Binding(
            "c", "versus", "Head to head", show=False, tooltip="two patterns compared"
        ),
        Binding("r", "replay", "Replay", show=False, tooltip="the last run, slowed"),
        Binding(
            "w", "app.export", "Save", tooltip="export: JSON, CSV and a Chrome trace"
        ),
        Binding(
            "ctrl+s", "app.screenshot_svg", "SVG", show=False, tooltip="the screen"
        ),
        Binding("l", "toggle_large", "Large", tooltip="graphs and big figures"),
        Binding("y", "toggle_scale", "Scale", tooltip="the graphs' scale"),
        Binding("full_stop", "blank", "Blank", show=False, tooltip="a clicker's key"),
        Binding("question_mark,f1", "help", "Keys", show=False, tooltip="this list"),
    ]

    def __init__(
        self,
        *,
        burst: int,
        large: bool,
        live: bool,
        tour_path: Path | None = None,
        clock: Callable[[], float] = time.perf_counter,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
        keep_event: Callable[[str], None] | None = None,
    ) -> None:
        """Args are the app's of the same names (see ``LoopbeatApp``), and
        ``keep_event``, given every event shown, for the session's exports."""
        super().__init__()
        # Textual sets one class of each list on the screen as it is sized,
        # in one restyle; app.tcss collapses the layout by priority for each
        # (the README promises what each size shows). Set here: Textual's
        # class-level annotation for them is one no type checker accepts.
        self.HORIZONTAL_BREAKPOINTS = [(0, "narrow"), (110, "wide"), (150, "widest")]
        self.VERTICAL_BREAKPOINTS = [(0, "short"), (34, "tall"), (42, "tallest")]
        self.burst = burst
        self.tour_path = tour_path
        self.set_reactive(MainScreen.large, large)
        self._live = live
        self._clock = clock
        self._stamp = stamp
        self._keep_event = keep_event
        self.stage = Stage(self, self._presenters_closed)

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        with Horizontal(id="top"):
            with Vertical(id="left"):
                yield PatternList(id="patterns")
                yield Explanation(id="explanation")
            with Vertical(id="right"):
                yield HeartbeatPanel(id="heartbeat", clock=self._clock, live=self._live)
                yield BigFigure(id="big-figure")
                yield SourceView(id="source-view")
        with Horizontal(id="bottom"):
            yield ResultsTable(id="results", max_rows=MAX_ROWS)
            yield EventLog(id="log", stamp=self._stamp, keep=self._keep_event)
        yield StallLine(id="stall")
        yield Footer(compact=True)
        yield Static(id="blank")

    def on_mount(self) -> None:
        # Kept, not queried: the instruments call back until they are stopped,
        # which is after Textual has already taken the widgets off the screen.
        self.heartbeat = self.query_one(HeartbeatPanel)
        self.results_table = self.query_one(ResultsTable)
        self.pattern_list = self.query_one(PatternList)
        self.stall_line = self.query_one(StallLine)
        self.events = self.query_one(EventLog)
        for selector, title in (
            ("#heartbeat", "heartbeat"),
            ("#patterns", "patterns (key fires)"),
            ("#explanation", "what really happens"),
            ("#results", "runs"),
            ("#log", "events"),
        ):
            self.query_one(selector).border_title = title
        self.pattern_list.focus()
        self.pattern_list.highlighted = 0
        self.set_class(self.large, "large")
        self.ready = True

    # --- what the app hands down -------------------------------------------------

    ready = False
    """Set once the widgets are mounted: what the instruments send before is
    not shown."""
    closing = False
    """Set as the app quits: the instruments call back until they are stopped,
    which is after Textual has taken the widgets off the screen."""

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
            f"heartbeat every {interval * 1000:g} ms ({mode} mode); "
            "press a pattern's key to run it"
        )

    def run_started(self, number: int, spec: RunSpec) -> None:
        """A row for the run, a mark on the graph, and a line in the events."""
        self.results_table.add_running(number, spec.label)
        self.heartbeat.mark_run(number, self._clock())
        blocks = " (blocks the loop on purpose)" if spec.blocks_loop else ""
        self.events.add(f"#{number} {spec.label}: GET {spec.url}{blocks}")

    def run_finished(self, result: RunResult) -> None:
        """A finished run's figures in its row, the big figure and the events.

        If its pattern's code is on screen, the line its worst stall named is
        highlighted there.
        """
        self.query_one(BigFigure).show(result)
        self.results_table.finish(result)
        self.stall_line.result = result
        self.heartbeat.end_run(result.number, self._clock())
        worst = worst_stall(result)
        line = views_line(worst.location) if worst is not None else None
        if line is not None and self._shown is result.spec.pattern:
            self.query_one(SourceView).show(result.spec.pattern, line)
        work = f" ({result.causes.loop_work()})" if result.causes else ""
        self.events.add(
            f"#{result.number} {result.label}: {verdict_line(result)}{work}"
        )

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

    def presenter(self, kind: type[PanelT]) -> PanelT | None:
        """The presenter panel of ``kind`` if it was ever opened."""
        return self.stage.panel(kind)

    def open_presenter(self, kind: type[PanelT], *, detour: bool = False) -> PanelT:
        """Show a presenter panel in front (see ``tui.ui.screens.stage``)."""
        return self.stage.open(kind, detour=detour)

    def leave_presenter(self) -> None:
        """The panel in front is done: back to the lesson it interrupted, if any."""
        self.stage.leave()

    def close_presenters(self) -> None:
        """Hide every presenter panel; ``o``, ``z`` and ``c`` resume them."""
        self.stage.close()

    def _presenters_closed(self) -> None:
        # The pattern list takes focus back; the panels follow it again.
        self.presented_latency = None
        self.pattern_list.focus()
        self.show_pattern(self.pattern_list.selected_pattern)

    def toggle_blank(self) -> None:
        """Black out the whole screen, or bring it back (measuring goes on)."""
        blank = self.query_one("#blank")
        blank.display = not blank.display

    # --- keys ----------------------------------------------------------------------

    _shown: Pattern | None = None

    def show_pattern(self, pattern: Pattern | None) -> None:
        """The code and explanation panels follow what is being talked about."""
        self._shown = pattern
        self.query_one(SourceView).show(pattern)
        self.query_one(Explanation).show(pattern)

    @on(OptionList.OptionHighlighted, "#patterns")
    def _pattern_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_pattern(find(event.option.id or ""))

    @on(PatternShown)
    def _pattern_shown(self, message: PatternShown) -> None:
        # From the tour and the quiz: the panels follow what they talk about,
        # and the header says the latency their runs have.
        message.stop()
        self.show_pattern(message.pattern)
        if message.latency_ms is None:
            self.presented_latency = None
        else:
            self.presented_latency = (message.latency_ms, message.latency_of)

    @on(OptionList.OptionSelected, "#patterns")
    def _pattern_selected(self, event: OptionList.OptionSelected) -> None:
        self.post_message(RunRequested((RunSpec.of(find(event.option.id or "")),)))

    def action_run(self, name: str) -> None:
        """Select and run the pattern called ``name``."""
        pattern = find(name)
        self.pattern_list.select_pattern(pattern)
        self.post_message(RunRequested((RunSpec.of(pattern),)))

    def action_run_selected(self) -> None:
        """Run the highlighted pattern."""
        self.post_message(
            RunRequested((RunSpec.of(self.pattern_list.selected_pattern),))
        )

    def action_burst(self) -> None:
        """Fire the selected pattern as concurrent requests."""
        pattern = self.pattern_list.selected_pattern
        self.post_message(RunRequested((RunSpec.of(pattern, self.burst),)))

    def action_tour(self) -> None:
        """Open the guided tour where it was left (space runs each step)."""
        from tui.lessons.tour import Tour, TourError, load_tour
        from tui.ui.widgets.tour_panel import TourPanel

        panel = self.presenter(TourPanel)
        if panel is not None and panel.tour is not None:
            self.open_presenter(TourPanel).resume()
            return
        try:
            tour = Tour(load_tour(self.tour_path))
        except TourError as error:
            self.notify(str(error), title="tour", severity="error", markup=False)
            return
        self.open_presenter(TourPanel).start(tour)

    def action_quiz(self) -> None:
        """Open the predict-then-run quiz where it was left."""
        from tui.ui.widgets.quiz_panel import QuizPanel

        self.open_presenter(QuizPanel).resume()

    def action_versus(self) -> None:
        """Open the head-to-head view: two patterns, one scale."""
        from tui.ui.widgets.versus_panel import VersusPanel

        self.open_presenter(VersusPanel, detour=True).resume()

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
        from tui.ui.screens.help import HelpScreen, key_sections

        self.app.push_screen(HelpScreen(key_sections(self)))

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

    @on(BlankScreen)
    def _blank_screen(self, message: BlankScreen) -> None:
        # A presenter's clicker asks from inside a panel; the screen decides.
        message.stop()
        self.toggle_blank()

    @on(PresenterClosed)
    def _presenter_closed(self, message: PresenterClosed) -> None:
        message.stop()
        self.leave_presenter()

    def action_toggle_large(self) -> None:
        """Large mode: graphs and the last run's figure fill the screen."""
        self.large = not self.large

    def action_toggle_pause(self) -> None:
        """Freeze or unfreeze the graphs (measuring goes on)."""
        self.heartbeat.paused = not self.heartbeat.paused
        self.events.add("graphs frozen" if self.heartbeat.paused else "graphs live")
