"""The live visualizer: the app decides, the engine measures, the screen shows.

``LoopbeatApp`` owns the engine session (``tui.engine.bench.Bench``), answers what
panels ask for (``RunRequested``, ``AuditRequested``, ``PresenterClosed``) and
hands what the instruments measure down to the screen: the demo's
(``tui.ui.screens.main.MainScreen``), given its catalog, else a project's
(``tui.ui.screens.project.ProjectScreen``).
"""

import asyncio
import logging
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.engine.bench import Bench
from tui.engine.probe import PingSample
from tui.engine.replay_choice import NothingToReplay
from tui.engine.results import RunResult
from tui.engine.runs import RunSpec, step_latency
from tui.engine.target import Target
from tui.instrument.archive import ArchiveUnavailable
from tui.instrument.owners import OWNER, SCREEN
from tui.instrument.printable import printable, printable_line
from tui.leaving import end_by
from tui.lessons.patterns import Catalog
from tui.ui.commands import binding_commands
from tui.ui.desk import RunDesk, show_error
from tui.ui.log_capture import EventLogHandler
from tui.ui.messages import AuditRequested, ReplayRequested, RunRequested
from tui.ui.saving import SessionSaver
from tui.ui.screens.live import LiveScreen
from tui.ui.screens.main import MainScreen, demo_screen
from tui.ui.screens.project import ProjectScreen
from tui.ui.themes import LOOPBEAT_THEMES, PALETTES

STATS_SECONDS = 0.5
"""How often the numbers beside the graphs are recomputed; they summarise
the stretch of time the graphs show, no more."""


class LoopbeatApp(App[None]):
    """Fire requests at an in-process Django project and watch the loop.

    Args:
        target: the project to run against (the demo, or the user's; checked).
        catalog: the demo's patterns, for the demo only: its screen is built
            on them (keys, code, lessons). None: the target is a project of
            the user's, shown by its routes.
        pinned: a project's paths for the number keys (``--url``), in order.
        allow_writes: a project's methods that write may be sent (POST...).
        interval: heartbeat tick interval in seconds.
        burst: how many concurrent requests a burst fires.
        latency_ms: the simulated latency runs start with (``+``/``-``).
        asgi_app: the Django ASGI application (default: demoapp's).
        live: start the engine (monitor, ping probe, animation). Snapshot
            tests turn this off and feed fixed data instead.
        export_dir: where ``w`` and ``ctrl+s`` write (default: the cwd).
        tour_path: a tour script (default: the packaged ``tui/lessons/tour.toml``).
        start_tour: open the tour as soon as the app is ready.
        theme: a Textual theme name, or ``loopbeat-contrast``.
        large: start in large mode (the ``l`` key toggles it).
        clock: the monotonic clock graphs are drawn against.
        stamp: the wall-clock time written before each event.
        quit_deadline: seconds after which quitting ends the process however
            far shutdown got (the command line sets it; tests do not).
    """

    CSS_PATH = "app.tcss"
    CHECK_NOISE = True
    """Listen to the machine in the first seconds (``tui.engine.noise``). Tests turn
    it off: its control runs would overlap theirs."""
    TITLE = "loopbeat"
    # The screen holds the keys, in the footer's order; quitting is here too
    # so it works whatever screen or panel is in front.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    latency_ms: var[float] = var(0.0, init=False)
    """The simulated latency runs without their own get (``+`` and ``-``)."""

    def __init__(
        self,
        target: Target,
        *,
        catalog: Catalog | None = None,
        pinned: tuple[RunSpec, ...] = (),
        allow_writes: bool = False,
        interval: float = 0.005,
        burst: int = 5,
        latency_ms: float = 0.0,
        asgi_app: Any = None,
        live: bool = True,
        export_dir: Path | None = None,
        tour_path: Path | None = None,
        start_tour: bool = False,
        theme: str | None = None,
        large: bool = False,
        clock: Callable[[], float] = time.perf_counter,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
        quit_deadline: float | None = None,
    ) -> None:
        super().__init__()
        self.quit_deadline = quit_deadline
        self._exit_armed = False
        self.live = live
        self.export_dir = export_dir
        self.start_tour = start_tour
        for own in LOOPBEAT_THEMES:
            self.register_theme(own)
        self._textual_palettes = (self.ansi_theme_dark, self.ansi_theme_light)
        if theme is not None:
            self.theme = theme
        self.failure: str | None = None
        """Why the app could not start, for the command line to print."""
        self.bench = Bench(
            target,
            interval=interval,
            latency_ms=latency_ms,
            asgi_app=asgi_app,
            on_ping=self._show_ping,
            on_trouble=self._engine_trouble,
        )
        self.set_reactive(LoopbeatApp.latency_ms, self.bench.latency_ms)
        screen = (
            partial(demo_screen(catalog), tour_path=tour_path)
            if catalog is not None
            else partial(
                ProjectScreen, target=target, pinned=pinned, allow_writes=allow_writes
            )
        )
        self.main: LiveScreen = screen(
            burst=burst,
            large=large,
            live=live,
            clock=clock,
            stamp=stamp,
            keep_event=self.bench.record.events.add,
        )
        self.desk = RunDesk(self, self.bench, self.main, allow_writes=allow_writes)
        self.saver = SessionSaver(self, self.bench, export_dir, self.log_event)

    def get_default_screen(self) -> Screen:
        return self.main

    def watch_theme(self, name: str) -> None:
        # The UI's coloured words are ANSI names: each of loopbeat's themes
        # brings the palette its contrast was checked against.
        dark, light = self._textual_palettes
        palette = PALETTES.get(name)
        self.ansi_theme_dark = palette or dark
        self.ansi_theme_light = palette or light

    @property
    def results(self) -> Sequence[RunResult]:
        """The runs of this session that are still kept, oldest first."""
        return self.bench.results

    # --- life cycle -------------------------------------------------------------

    def on_load(self) -> None:
        # In the app's own task, before the screen's start: every task Textual
        # starts from here on copies it, so the loop's work for them is charged
        # to the screen, not to the demo (tui/instrument/owners.py).
        OWNER.set(SCREEN)

    async def on_mount(self) -> None:
        # A closed terminal (SIGHUP) or a kill (SIGTERM) quits like q does, so
        # Textual restores the terminal and the instruments stop cleanly.
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(number, self.exit, None, 128 + number)
        self._log_handler = EventLogHandler(self)
        logging.getLogger().addHandler(self._log_handler)
        self.watch(self.main, "presented_latency", self._show_latency)
        if self.live:
            self.run_worker(self._start_bench(), group="start", exit_on_error=False)
        else:
            self.call_after_refresh(self._announce_ready)

    def _announce_ready(self) -> None:
        mode = self.bench.monitor.mode if self.bench.monitor else "off"
        self.main.announce_ready(self.bench.interval, mode)

    async def _start_bench(self) -> None:
        try:
            await self.bench.start()
        except ArchiveUnavailable as error:
            # Nothing can run without it: keys would answer "still starting
            # up" for ever. The command line prints the sentence.
            self.failure = str(error)
            # After the first frame: exiting while the screen still mounts
            # leaves Textual's header half made, with an error of its own.
            self.call_after_refresh(self.exit, None, 2)
            return
        assert self.bench.monitor is not None
        # A project's Django is set up before the app starts, so the bench
        # can be up before the screen has mounted what it feeds.
        await self.main.wait_mounted()
        monitor = self.bench.monitor
        # Stalls as they end; the ticks in bulk, as each frame is drawn.
        monitor.subscribe(self.main.show_loop_item, samples=False)
        panel = self.main.heartbeat
        panel.take_ticks_from(monitor.samples)
        # Driven by the panel it updates, so it stops when the panel is removed
        # (an app timer kept firing while Textual tore the screen down).
        self.main.heartbeat.update_figures_every(
            STATS_SECONDS,
            lambda: self.bench.recent_figures(
                panel.shown_seconds, until=panel.frozen_at, not_before=panel.cleared_at
            ),
        )
        self._announce_ready()
        self.main.engine_ready()
        if self.start_tour and isinstance(self.main, MainScreen):
            self.main.action_tour()
        if self.CHECK_NOISE:
            self.run_worker(
                self._check_noise(), name="noise check", exit_on_error=False
            )

    async def _check_noise(self) -> None:
        """Say in the first seconds whether short runs can be trusted here."""
        from tui.engine.noise import measure_noise

        report = await measure_noise(self.bench)
        if report is None:
            self.log_event(
                "noise check given up: runs kept overlapping it (--check measures "
                "the machine alone)"
            )
        else:
            self.main.show_noise(report)

    async def on_unmount(self) -> None:
        self.main.closing = True
        logging.getLogger().removeHandler(self._log_handler)
        await self.bench.stop()

    def exit(
        self, result: None = None, return_code: int = 0, message: Any = None
    ) -> None:
        """Quit; from here on the instruments' late call-backs are ignored."""
        # The instruments stop in on_unmount, after Textual has torn the
        # screen down: a stall caught meanwhile has nowhere to be shown.
        self.main.closing = True
        if self.quit_deadline is not None and not self._exit_armed:
            self._exit_armed = True
            end_by(self.quit_deadline, return_code)
        super().exit(result, return_code, message)

    def _show_latency(self, _: object = None) -> None:
        # The latency first: a narrow header cuts its end, and the latency is
        # what the room needs to read the figures.
        keys = self.bench.latency_ms
        presented = self.main.presented_latency
        version = self.bench.django_version
        if isinstance(self.main, ProjectScreen):
            # No lessons set their own latency here; 110 columns hold it all.
            self.sub_title = f"latency {keys:g} ms · {self.main.about(version)}"
            return
        if presented is None or presented[0] == keys:
            latency = f"simulated latency {keys:g} ms"
        else:
            step, whose = presented
            latency = f"simulated latency {step:g} ms for {whose}, {keys:g} for keys"
        label = printable_line(self.bench.target.label)
        self.sub_title = f"{latency} · Django {version} · {label}"

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Textual's notice, with control characters shown, never obeyed.

        Every notice passes here (a widget's ``notify`` calls the app's), so
        no path or exception message in one can reach the terminal as a
        control sequence (``tui.instrument.printable``).
        """
        super().notify(
            printable(message),
            title=printable(title),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    # --- from the instruments, down to the screen -----------------------------------

    def log_event(self, message: str) -> None:
        """Add a timestamped line to the event log (plain text, never markup)."""
        self.main.events.add(message)

    def _show_ping(self, sample: PingSample) -> None:
        self.main.show_ping(sample)

    def _engine_trouble(self, sentence: str) -> None:
        """Something went wrong in the engine itself: one notice, and the log."""
        self.log_event(sentence)
        self.notify(sentence, title="loopbeat", severity="warning", timeout=15)

    # --- deciding on runs -------------------------------------------------------------

    @on(RunRequested)
    def _run_requested(self, message: RunRequested) -> None:
        message.stop()
        self.request_runs(message.specs, message.reply_to, message.token)

    def request_runs(
        self,
        specs: Sequence[RunSpec],
        reply_to: MessagePump | None = None,
        token: object = None,
    ) -> bool:
        """Start ``specs`` (one after another) unless the bench refuses.

        Returns whether they were accepted (see ``RunDesk.request``).
        """
        return self.desk.request(specs, reply_to, token)

    @on(AuditRequested)
    def _audit_requested(self, message: AuditRequested) -> None:
        message.stop()
        self.desk.audit(message.spec, message.reply_to)

    @on(ReplayRequested)
    def _replay_requested(self, message: ReplayRequested) -> None:
        message.stop()
        try:
            recording = self.bench.last_recording()
        except NothingToReplay as reason:
            self.notify(str(reason), title="replay", markup=False)
            return
        self.main.replay(recording)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        # Runs catch their own failures; anything else that fails is shown
        # here, in one place, and never ends the app.
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            problem = f"{type(error).__name__}: {error}"
            self.log_event(f"{event.worker.name or event.worker.group}: {problem}")
            self._error(problem, "something failed")

    def _error(self, problem: str, title: str) -> None:
        show_error(self, problem, title)

    # --- actions -----------------------------------------------------------------

    def action_latency(self, direction: int) -> None:
        """Step the simulated latency of the runs that follow up or down."""
        self.latency_ms = step_latency(self.latency_ms, direction)

    def watch_latency_ms(self, latency_ms: float) -> None:
        # The one place the session's latency changes: the bench takes it for
        # the runs that follow, the header and the events say it.
        if self.bench.latency_ms == latency_ms:
            return
        self.bench.latency_ms = latency_ms
        self._show_latency()
        self.log_event(f"simulated latency now {latency_ms:g} ms per query")

    def action_clear(self) -> None:
        """Clear the runs, the graphs and the stall line from the screen.

        The session's record is kept: every run stays in the exports.
        """
        self.main.clear()

    def action_export(self) -> None:
        """Write the session as JSON, CSV and a Chrome trace (in a thread)."""
        self.saver.export()

    def action_screenshot_svg(self) -> None:
        """Save the screen as an SVG file in the export directory."""
        self.saver.screenshot()

    def get_system_commands(self, screen: Screen) -> Iterator[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from binding_commands(self, self.main, self)
