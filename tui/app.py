"""The live visualizer: the screen a speaker puts on the projector."""

import asyncio
import itertools
import logging
import signal
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, OptionList, RichLog
from textual.worker import Worker, WorkerState

from demoapp import netsim
from tui.client import (
    NOT_TO_BLAME,
    PatternResult,
    PatternRunner,
    PingProbe,
    PingSample,
    run_label,
)
from tui.eventlog import EventLogHandler
from tui.formatting import format_seconds
from tui.heartbeat import LoopMonitor
from tui.loopstats import Sample, Stall, percentile
from tui.memory import freeze_survivors, limit_malloc_arenas, thaw_survivors
from tui.patterns import PATTERNS, Pattern, find
from tui.themes import HIGH_CONTRAST
from tui.widgets.big_figure import BigFigure
from tui.widgets.footer import Footer
from tui.widgets.heartbeat_panel import HeartbeatPanel
from tui.widgets.pattern_detail import Explanation, SourceView
from tui.widgets.pattern_list import PatternList
from tui.widgets.results import ResultsTable
from tui.widgets.stall_line import StallLine


def django_version() -> str:
    """The running Django's version, for the title bar."""
    import django

    return django.get_version()


MAX_RESULTS = 200
"""Runs kept (in memory and in the table); older ones make way. A talk has
far fewer; the bound keeps an all-day booth demo's memory flat."""
PING_CAPACITY = 2_000
"""Pings kept: 100 s at the probe's busy rate, like the monitor's window."""
MAX_IN_FLIGHT = 3
"""Runs allowed at once; more key presses are refused with a notice."""
LATENCY_STEPS_MS = (0, 5, 20, 50, 100, 200)
STATS_SECONDS = 0.5
"""How often the numbers beside the graphs are recomputed."""
STATS_WINDOW = 30.0
"""The stretch of time those numbers summarise (seconds)."""


class LoopbeatApp(App):
    """Fire fetch patterns at an in-process Django app and watch the loop."""

    CSS_PATH = "app.tcss"
    # Textual sets these classes on the screen as it is sized, in one restyle;
    # app.tcss shrinks the layout for .narrow and .short terminals.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "narrow"),
        (110, "wide"),
    ]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "short"), (34, "tall")]
    TITLE = "loopbeat"
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(p.key, f"run('{p.name}')", p.title, show=False) for p in PATTERNS),
        Binding("enter", "run_selected", "Run selected", show=False),
        Binding("b", "burst", "Burst"),
        Binding("plus,equals_sign", "latency(1)", "Latency+"),
        Binding("minus", "latency(-1)", "Latency-"),
        Binding("f", "toggle_pause", "Freeze"),
        Binding("x", "clear", "Clear"),
        # Quit early in the list, so the footer shows it on narrow terminals too.
        Binding("q", "quit", "Quit", priority=True),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("o", "tour", "Tour"),
        Binding("z", "quiz", "Quiz"),
        Binding("w", "export", "Export"),
        Binding("ctrl+s", "screenshot_svg", "SVG", show=False),
        Binding("l", "toggle_large", "Large"),
    ]

    def __init__(
        self,
        db_path: Path,
        *,
        interval: float = 0.005,
        burst: int = 5,
        asgi_app=None,
        live: bool = True,
        export_dir: Path | None = None,
        tour_path: Path | None = None,
        start_tour: bool = False,
        theme: str | None = None,
        large: bool = False,
        clock: Callable[[], float] = time.perf_counter,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
    ) -> None:
        """Create the app.

        Args:
            db_path: the demo database (already checked by the CLI).
            interval: heartbeat tick interval in seconds.
            burst: how many concurrent requests a burst fires.
            asgi_app: the Django ASGI application (default: demoapp's).
            live: start the instruments (monitor, ping probe, animation).
                Snapshot tests turn this off and feed fixed data instead.
            export_dir: where ``w`` and ``ctrl+s`` write (default: the cwd).
            tour_path: a tour script (default: the packaged ``tui/tour.toml``).
            start_tour: open the tour as soon as the app is ready.
            theme: a Textual theme name, or ``loopbeat-contrast``.
            large: start in large mode (the ``l`` key toggles it).
            clock: the monotonic clock graphs are drawn against.
            stamp: the wall-clock time written before each event.
        """
        super().__init__()
        self.db_path = db_path
        self.interval = interval
        self.burst_size = burst
        self.live = live
        self.export_dir = export_dir or Path.cwd()
        self.tour_path = tour_path
        self.start_tour = start_tour
        self.register_theme(HIGH_CONTRAST)
        if theme is not None:
            self.theme = theme
        self._start_large = large
        self.clock = clock
        self.stamp = stamp
        self._asgi_app = asgi_app
        self.monitor: LoopMonitor | None = None
        self.probe: PingProbe | None = None
        self.runner: PatternRunner | None = None
        # Bounded, like every buffer here: an hour-long talk must not grow memory.
        self.results: deque[PatternResult] = deque(maxlen=MAX_RESULTS)
        self._run_numbers = itertools.count(1)
        self._in_flight = 0
        self._quitting = False

    # --- layout -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="♥")
        with Horizontal(id="top"):
            with Vertical(id="left"):
                yield PatternList(id="patterns")
                yield Explanation(id="explanation")
            with Vertical(id="right"):
                yield HeartbeatPanel(id="heartbeat", clock=self.clock, live=self.live)
                yield BigFigure(id="big-figure")
                yield SourceView(id="source-view")
        with Horizontal(id="bottom"):
            yield ResultsTable(id="results", max_rows=MAX_RESULTS)
            yield RichLog(
                id="log", markup=False, wrap=True, min_width=20, max_lines=300
            )
        yield StallLine(id="stall")
        yield Footer(compact=True)

    @property
    def heartbeat(self) -> HeartbeatPanel:
        return self._panel

    @property
    def pattern_list(self) -> PatternList:
        return self.query_one(PatternList)

    @property
    def results_table(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    # --- life cycle -------------------------------------------------------------

    async def on_mount(self) -> None:
        # A closed terminal (SIGHUP) or a kill (SIGTERM) quits like q does, so
        # Textual restores the terminal and the instruments stop cleanly.
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(number, self.exit)
        # Kept, not queried: the instruments call back until they are stopped,
        # which is after Textual has already taken the widgets off the screen.
        self._panel = self.query_one(HeartbeatPanel)
        self._stall_line = self.query_one(StallLine)
        self._log = self.query_one("#log", RichLog)
        self._log_handler = EventLogHandler(self)
        logging.getLogger().addHandler(self._log_handler)
        self.query_one("#heartbeat").border_title = "heartbeat"
        self.query_one("#patterns").border_title = "patterns (key fires)"
        self.query_one("#explanation").border_title = "what really happens"
        self.results_table.border_title = "runs"
        self.query_one("#log").border_title = "events"
        self.pattern_list.focus()
        self.pattern_list.highlighted = 0
        self.screen.set_class(self._start_large, "large")
        self.show_latency()
        if self.live:
            self.run_worker(self._start_instruments(), name="start", group="start")
        else:
            self.call_after_refresh(self._announce_ready)

    def _announce_ready(self) -> None:
        mode = self.monitor.mode if self.monitor else "off"
        self.log_event(
            f"heartbeat every {self.interval * 1000:g} ms ({mode} mode); "
            "press a pattern's key to run it"
        )

    async def _start_instruments(self) -> None:
        from demoapp.bootstrap import configure_django
        from tui.inprocess import get

        # Before the request threads start (see tui/memory.py).
        limit_malloc_arenas()
        # Django is set up in a thread: the first frame appears as fast as a
        # bare Textual app's, and the imports are paid while it is on screen.
        await asyncio.to_thread(configure_django, self.db_path)
        if self._asgi_app is None:
            from demoapp.asgi import application

            self._asgi_app = application
        freeze_survivors()  # before the monitor starts: a one-off pause
        self.monitor = LoopMonitor(interval=self.interval, excluded_files=NOT_TO_BLAME)
        self.monitor.start()
        self.monitor.subscribe(self._on_monitor_item)
        self.probe = PingProbe(
            self._asgi_app, capacity=PING_CAPACITY, on_sample=self._on_ping
        )
        self.probe.start()
        # Driven by the panel it updates, so it stops when the panel is removed
        # (an app timer kept firing while Textual tore the screen down).
        self.heartbeat.update_figures_every(STATS_SECONDS, self._refresh_stats)
        # Django compiles URL patterns and SQL on first use, on the loop
        # thread; pay that before the first key press so it is not measured.
        for url in ("/ping", "/async/get-count"):
            await get(self._asgi_app, url)
        self.runner = PatternRunner(self._asgi_app, self.monitor, self.probe)
        self._announce_ready()
        if self.start_tour:
            self.action_tour()

    async def on_unmount(self) -> None:
        # The monitor may still hand over a stall while it stops, and the
        # widgets it would be shown on are going.
        self._quitting = True
        logging.getLogger().removeHandler(self._log_handler)
        if self.probe is not None:
            await self.probe.stop()
        if self.monitor is not None:
            await self.monitor.stop()
            thaw_survivors()  # frozen when the monitor started

    def show_latency(self) -> None:
        """Bring the title bar up to date (the simulated latency may change)."""
        self.sub_title = (
            f"Django {django_version()} · {self.db_path.name} · "
            f"simulated latency {netsim.latency_ms():g} ms"
        )

    # --- data from the instruments ------------------------------------------------

    def exit(self, *args, **kwargs) -> None:
        """Quit; from here on the instruments' late call-backs are ignored."""
        # The monitor and the probe stop in on_unmount, after Textual has torn
        # the screen down: a stall caught meanwhile has nowhere to be shown.
        self._quitting = True
        super().exit(*args, **kwargs)

    def _on_monitor_item(self, item: Sample | Stall) -> None:
        if self._quitting:
            return
        if isinstance(item, Sample):
            self.heartbeat.record_lag(item.t, item.lag)
        else:
            self._show_stall(item)

    def _on_ping(self, sample: PingSample) -> None:
        if self._quitting:
            return
        self.heartbeat.record_ping(sample.due, sample.latency)

    def _refresh_stats(self) -> None:
        if self.monitor is None or self.probe is None:
            return
        since = self.clock() - STATS_WINDOW
        lag = self.monitor.stats(since=since)
        lag_max = max(lag.max, self.monitor.max_block(since=since))
        pings = sorted(p.latency for p in self.probe.samples(since=since))
        self.heartbeat.show_stats(
            lag_max if lag.count else None,
            lag.p99 if lag.count else None,
            pings[-1] if pings else None,
            percentile(pings, 99) if pings else None,
        )

    def _show_stall(self, stall: Stall) -> None:
        self._stall_line.stall = stall
        where = stall.project_frame or stall.innermost_frame
        self.log_event(f"loop stalled {format_seconds(stall.duration)} at {where}")

    def log_event(self, message: str) -> None:
        """Add a timestamped line to the event log."""
        self._log.write(Text(f"{self.stamp()} {message}"))

    # --- actions -----------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#patterns")
    def _pattern_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        pattern = find(event.option.id)
        self.query_one(SourceView).show(pattern)
        self.query_one(Explanation).show(pattern)

    @on(OptionList.OptionSelected, "#patterns")
    def _pattern_selected(self, event: OptionList.OptionSelected) -> None:
        self.start_run(find(event.option.id), 1)

    def action_run(self, name: str) -> None:
        """Select and run the pattern called ``name``."""
        pattern = find(name)
        self.pattern_list.select_pattern(pattern)
        self.start_run(pattern, 1)

    def action_run_selected(self) -> None:
        """Run the highlighted pattern."""
        self.start_run(self.pattern_list.selected_pattern, 1)

    def action_burst(self) -> None:
        """Fire the selected pattern as concurrent requests."""
        self.start_run(self.pattern_list.selected_pattern, self.burst_size)

    def action_latency(self, direction: int) -> None:
        """Step the simulated network latency up or down."""
        current = netsim.latency_ms()
        if direction > 0:
            steps = [s for s in LATENCY_STEPS_MS if s > current] or [current]
            new = steps[0]
        else:
            steps = [s for s in LATENCY_STEPS_MS if s < current] or [0]
            new = steps[-1]
        netsim.set_latency_ms(new)
        self.show_latency()
        self.log_event(f"simulated network latency now {new:g} ms per query")

    def action_toggle_large(self) -> None:
        """Large mode: graphs and the last run's figure fill the screen."""
        self.screen.toggle_class("large")

    def action_toggle_pause(self) -> None:
        """Freeze or unfreeze the graphs (measuring goes on)."""
        self.heartbeat.paused = not self.heartbeat.paused
        self.log_event("graphs frozen" if self.heartbeat.paused else "graphs live")

    def action_clear(self) -> None:
        """Clear the runs table, the graphs and the stall line."""
        self.results_table.clear()
        self.results.clear()
        self.heartbeat.clear()
        self._stall_line.stall = None
        self.log_event("cleared")

    def action_tour(self) -> None:
        """Open the guided tour (space runs each step, esc leaves)."""
        from tui.tour import Tour, TourError, load_tour

        try:
            tour = Tour(load_tour(self.tour_path))
        except TourError as error:
            self.notify(str(error), title="tour", severity="error")
            return
        from tui.widgets.tour_panel import TourPanel

        self._open_presenter(TourPanel).start(tour)

    def action_quiz(self) -> None:
        """Open the predict-then-run quiz."""
        from tui.widgets.quiz_panel import QuizPanel

        self._open_presenter(QuizPanel).start()

    def _open_presenter(self, kind):
        # Each panel is mounted on first use and then only shown and hidden:
        # Textual keeps removed widgets reachable for a while, and a panel
        # made per tour lap grew memory in the soak.
        self.close_presenter()
        panel = next(iter(self.query(kind)), None)
        if panel is None:
            panel = kind()
            self.screen.mount(panel)
        panel.display = True
        self.screen.add_class("presenting")
        panel.focus()
        return panel

    def close_presenter(self) -> None:
        """Hide the tour or quiz panel."""
        for panel in self.query(".presenter"):
            panel.display = False
        self.screen.remove_class("presenting")
        self.pattern_list.focus()

    async def action_export(self) -> None:
        """Write the session as JSON, CSV and a Chrome trace (in a thread)."""
        # Imported on first use: nothing before the first frame needs it.
        from tui.export import ExportError, Session, export_session

        if self.monitor is None:
            self.notify("nothing measured yet", timeout=2)
            return
        meta = {
            "database": str(self.db_path),
            "django": django_version(),
            "latency_ms": netsim.latency_ms(),
        }
        session = Session.capture(self.results, self.monitor, self.probe, meta)
        stem = time.strftime("loopbeat-%Y%m%d-%H%M%S")
        try:
            paths = await asyncio.to_thread(
                export_session, session, self.export_dir, stem
            )
        except ExportError as error:
            self.notify(str(error), title="export failed", severity="error")
            return
        names = ", ".join(path.name for path in paths)
        self.log_event(f"exported {names} to {self.export_dir}")
        self.notify(f"wrote {names}", title="exported", timeout=4)

    async def action_screenshot_svg(self) -> None:
        """Save the screen as an SVG file in the export directory."""
        from tui.export import write_atomically

        path = self.export_dir / time.strftime("loopbeat-%Y%m%d-%H%M%S.svg")
        svg = self.export_screenshot()
        try:
            await asyncio.to_thread(write_atomically, path, svg)
        except OSError as error:
            self.notify(f"{path}: {error.strerror}", severity="error")
            return
        self.log_event(f"screenshot saved to {path}")
        self.notify(f"saved {path.name}", title="screenshot", timeout=4)

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        for pattern in PATTERNS:
            yield SystemCommand(
                f"Run: {pattern.title}",
                f"[{pattern.key}] GET {pattern.url}",
                lambda p=pattern: self.action_run(p.name),
            )
        yield SystemCommand(
            "Burst",
            "Run the selected pattern as concurrent requests",
            self.action_burst,
        )
        yield SystemCommand(
            "Latency up",
            "More simulated network latency",
            lambda: self.action_latency(1),
        )
        yield SystemCommand(
            "Latency down",
            "Less simulated network latency",
            lambda: self.action_latency(-1),
        )
        yield SystemCommand(
            "Freeze graphs",
            "Hold the graphs still, or let them run",
            self.action_toggle_pause,
        )
        yield SystemCommand(
            "Clear", "Clear runs, graphs and the stall line", self.action_clear
        )
        yield SystemCommand(
            "Export session", "JSON, CSV and a Chrome trace", self.action_export
        )
        yield SystemCommand("Tour", "The guided tour, step by step", self.action_tour)
        yield SystemCommand("Quiz", "Predict, then run", self.action_quiz)
        yield SystemCommand(
            "Large mode", "Graphs and big figures only", self.action_toggle_large
        )

    # --- running patterns -----------------------------------------------------------

    def can_start(self) -> bool:
        """Whether a run may start now; if not, say why on screen."""
        if self.runner is None:
            self.notify("still starting up; try again in a moment", timeout=2)
            return False
        if self._in_flight >= MAX_IN_FLIGHT:
            self.notify(
                f"{self._in_flight} runs already in flight; wait for one to finish",
                severity="warning",
                timeout=2,
            )
            return False
        return True

    def start_run(self, pattern: Pattern, burst: int) -> bool:
        """Start a run unless too many are in flight; returns whether it started."""
        if not self.can_start():
            return False
        self.run_worker(
            self.run_measured(pattern, burst), group="runs", exit_on_error=False
        )
        return True

    async def run_measured(self, pattern: Pattern, burst: int) -> PatternResult:
        """Run ``pattern`` now, with a row in the table, and return its result.

        Callers check ``can_start`` first; the tour and the quiz await this.
        """
        self._in_flight += 1
        self.heartbeat.busy = True
        number = next(self._run_numbers)
        run_id = f"run-{number}"
        label = run_label(pattern.name, burst)
        try:
            self.results_table.add_running(run_id, number, label)
            blocking = " (blocks the loop on purpose)" if pattern.blocks_loop else ""
            self.log_event(f"#{number} {label}: GET {pattern.url}{blocking}")
            result = await self.runner.run(pattern, burst)
        except Exception as error:
            self.results_table.fail(run_id, f"{type(error).__name__}: {error}")
            raise
        finally:
            self._in_flight -= 1
            self.heartbeat.busy = self._in_flight > 0
        self.show_result(run_id, number, result)
        return result

    def show_result(self, run_id: str, number: int, result: PatternResult) -> None:
        """Put a finished run in the table and the log."""
        self.query_one(BigFigure).show(number, result)
        self.results.append(result)
        self.results_table.finish(run_id, result)
        self.log_event(f"#{number} {result.label}: {result.verdict}")

    @property
    def in_flight(self) -> int:
        """How many runs have started and not finished."""
        return self._in_flight

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        # Every worker's failure is shown here, in one place, never swallowed.
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            message = f"{type(error).__name__}: {error}"
            self.log_event(
                f"{event.worker.name or event.worker.group} failed: {message}"
            )
            self.notify(message, title="something failed", severity="error")
