"""The engine session: a target project, the instruments and the runs.

A ``Bench`` is what the live app and headless mode share, so they cannot
drift: it sets the target's Django up, wraps its ASGI application and hooks
its database (``tui.engine``), starts the loop monitor and the ping probe,
accepts runs within the in-flight limits, numbers them, keeps their results
within a bound, and describes the session for exports.

It knows the project only as a ``Target``, and imports no Textual.
"""

import asyncio
import logging
import sys
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from tui.engine.client import RunClient
from tui.engine.figures import Figures, recent_figures
from tui.engine.hooks import EngineHooks
from tui.engine.inprocess import get
from tui.engine.patches import AbandonedRequests
from tui.engine.probe import PingProbe, PingSample
from tui.engine.replay import Recording
from tui.engine.replay_choice import NothingToReplay, pick_recording
from tui.engine.reservation import Batch, Limits, Reservation, RunRefused
from tui.engine.results import RunResult
from tui.engine.runs import MAX_BURST, RunSpec, check_latency
from tui.engine.session import Session
from tui.engine.session_record import SessionRecord
from tui.engine.target import Target
from tui.engine.wrapper import RecordingApp
from tui.instrument.archive import ArchiveCut
from tui.instrument.framenames import FrameNames
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.memory import freeze_survivors, limit_malloc_arenas, thaw_survivors
from tui.instrument.owners import LOOPBEAT, OWNER

MAX_RUNS_IN_FLIGHT = 3
"""Runs allowed at once; more are refused with a reason."""
MAX_REQUESTS_IN_FLIGHT = MAX_BURST
"""Requests allowed at once, bursts counted per request: three bursts of the
largest size must not triple the memory a talk's laptop has to find."""
MAX_RESULTS = 200
"""Runs kept; older ones make way. A talk has far fewer; the bound keeps an
all-day booth demo's memory flat."""
PING_CAPACITY = 2_000
STOP_TARGET_WITHIN = 0.5
"""Seconds the target's clean-up may take: quit's 2 s include it."""

log = logging.getLogger(__name__)
"""Pings kept: 100 s at the probe's busy rate."""


class Bench:
    """One engine session on a target project.

    Args:
        target: What to run against (the demo, or a project of the user's).
        interval: Heartbeat tick interval in seconds.
        window: Seconds of heartbeat history kept.
        latency_ms: The session's simulated latency, for runs that do not set
            their own.
        asgi_app: The ASGI application (default: the target's, once set up).
        on_ping: Called on the loop with every ping sample.
        on_trouble: Called on the loop, once per trouble, with a sentence for
            the user about something that went wrong in the engine itself
            (a temporary folder that filled).
    """

    def __init__(
        self,
        target: Target,
        *,
        interval: float = 0.005,
        window: float = 60.0,
        latency_ms: float = 0.0,
        asgi_app: Any = None,
        on_ping: Callable[[PingSample], None] | None = None,
        on_trouble: Callable[[str], None] | None = None,
    ) -> None:
        self.target = target
        self.interval = interval
        self.window = window
        self._latency_ms = check_latency(latency_ms)
        self._asgi_app = asgi_app
        self._on_ping = on_ping
        self.record = SessionRecord(window, on_trouble)
        """Every tick, ping and stall on disk, and the events, for exports."""
        self.monitor: LoopMonitor | None = None
        self.probe: PingProbe | None = None
        self._client: RunClient | None = None
        self._abandoned = AbandonedRequests()
        self.hooks: EngineHooks | None = None
        """Loopbeat's hooks into Django, asgiref and aiosqlite, while running."""
        self.results: deque[RunResult] = deque(maxlen=MAX_RESULTS)
        self._runs_started = 0
        self._in_flight: dict[int, str] = {}
        """Runs sent and not yet answered: their labels, by number."""
        self._limits = Limits(MAX_RUNS_IN_FLIGHT, MAX_REQUESTS_IN_FLIGHT)
        self._frozen = False

    # --- life cycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Set Django up (in a thread), start the instruments, warm Django up.

        Raises:
            ArchiveUnavailable: no temporary file can be made for the session.
        """
        # Django's set-up and warm-up are loopbeat's work, not the demo's.
        owner = OWNER.set(LOOPBEAT)
        try:
            await self._start()
        finally:
            OWNER.reset(owner)

    async def _start(self) -> None:
        # First: without a temporary folder there is no session to start.
        self.record.open()
        # Before the request threads start (tui/instrument/memory.py).
        limit_malloc_arenas()
        self._abandoned.install()
        target = self.target
        # In a thread: the live app's first frame does not wait for the imports.
        await asyncio.to_thread(target.set_up_django)
        if self._asgi_app is None:
            self._asgi_app = target.asgi_application()
        app = RecordingApp(self._asgi_app)
        roots = [str(target.project_root)]
        self.hooks = EngineHooks(FrameNames(roots))
        self.hooks.install()
        freeze_survivors()  # a full collection would read as lag no run caused
        self._frozen = True
        self.monitor = LoopMonitor(
            interval=self.interval, window=self.window, project_roots=roots
        )
        self.monitor.start()
        self.monitor.subscribe(self.record.keep)
        host = target.host()
        self.probe = PingProbe(
            app,
            path=target.ping_path,
            host=host,
            capacity=PING_CAPACITY,
            on_sample=self._ping_seen,
        )
        self.probe.start()
        # Django compiles URL patterns and SQL on first use, on the loop
        # thread: each warm-up path is requested once so that is not measured.
        for url in target.warm_up:
            await get(app, url, host=host)
        self._client = RunClient(
            app, self.monitor, self.probe, host=host, rows_from=target.rows_from
        )

    def _ping_seen(self, sample: PingSample) -> None:
        self.record.keep_ping(sample.due, sample.latency)
        if self._on_ping is not None:
            self._on_ping(sample)

    async def stop(self) -> None:
        """Stop the probe and the monitor; safe to call more than once.

        Requests still in flight are abandoned: Django's tasks for them end
        with ``RequestAborted`` or a cancellation, which is no news at this
        point, so they are not reported as "never retrieved".
        """
        self._client = None
        if self.probe is not None:
            await self.probe.stop()
        await self._stop_target()
        if self.monitor is not None:
            await self.monitor.stop()
        if self.hooks is not None:
            self.hooks.uninstall()
            self.hooks = None
        await self._abandoned.uninstall()
        if self._frozen:
            thaw_survivors()
            self._frozen = False
        self.record.close()

    async def _stop_target(self) -> None:
        """The target's own clean-up, bounded: quit must not wait on a server."""
        on_stop = self.target.on_stop
        if on_stop is None or self.monitor is None:
            return
        try:
            await asyncio.wait_for(on_stop(), STOP_TARGET_WITHIN)
        except Exception as error:  # a server gone away: nothing to close cleanly
            log.debug("the target's clean-up failed: %r", error)

    async def __aenter__(self) -> "Bench":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def ready(self) -> bool:
        """Whether runs can be accepted (started and not stopped)."""
        return self._client is not None

    # --- the session's latency ------------------------------------------------------

    @property
    def latency_ms(self) -> float:
        """The latency for runs that do not set their own, in milliseconds."""
        return self._latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self._latency_ms = check_latency(value)

    # --- runs -----------------------------------------------------------------------

    @property
    def runs_in_flight(self) -> int:
        """Runs accepted and not yet finished."""
        return self._limits.runs

    @property
    def runs_started(self) -> int:
        """Runs of the session started so far (the newest run's number)."""
        return self._runs_started

    @property
    def requests_in_flight(self) -> int:
        """Requests those runs may have in flight at once."""
        return self._limits.requests

    def reserve(self, specs: Sequence[RunSpec]) -> Reservation:
        """Take room for ``specs`` (run one after another) now, or refuse.

        Raises:
            RunRefused: not started yet, or the limits are reached.
        """
        if not self.ready:
            raise RunRefused("still starting up; try again in a moment")
        return self._limits.take(specs, self._latency_ms)

    async def run(
        self,
        spec: RunSpec,
        on_start: Callable[[int, RunSpec], None] | None = None,
    ) -> RunResult:
        """Run one spec of a reservation now and keep its result.

        Args:
            spec: One of a ``Reservation``'s specs.
            on_start: Called with the run's number just before it is sent.
        """
        if self._client is None:
            raise RunRefused("the session has stopped")
        self._runs_started += 1
        number = self._runs_started
        if on_start is not None:
            on_start(number, spec)
        self._in_flight[number] = spec.label
        try:
            result = await self._client.run(spec, number)
        finally:
            del self._in_flight[number]
        self.results.append(result)
        return result

    async def run_reserved(
        self,
        reservation: Reservation,
        on_start: Callable[[int, RunSpec], None] | None = None,
        on_result: Callable[[RunResult], None] | None = None,
    ) -> "Batch":
        """Run a reservation's specs in order, then give its room back.

        A run that raises ends the batch: the failure is returned, with the
        number of the run it hit, rather than raised, so whoever asked always
        hears back and the room is always released.
        """
        batch = Batch()

        def started(number: int, spec: RunSpec) -> None:
            batch.failed_number = number
            if on_start is not None:
                on_start(number, spec)

        try:
            for spec in reservation.specs:
                result = await self.run(spec, on_start=started)
                batch.results.append(result)
                if on_result is not None:
                    on_result(result)
            batch.failed_number = None
        except Exception as error:
            batch.problem = f"{type(error).__name__}: {error}"
        finally:
            reservation.release()
        return batch

    async def run_unrecorded(self, spec: RunSpec, app: Any = None) -> RunResult:
        """Run ``spec`` outside the session: no number, no room, not kept.

        For the noise check's control runs, which judge the machine, not the
        demo, and the middleware audit's, which may go to another ``app``
        (the project without one class; see ``RunClient.run``).
        """
        if self._client is None:
            raise RunRefused("the session has stopped")
        return await self._client.run(spec.at_latency(self._latency_ms), 0, app)

    async def run_now(self, spec: RunSpec) -> RunResult:
        """Reserve, run and release one spec (headless mode and tests)."""
        reservation = self.reserve([spec])
        try:
            return await self.run(reservation.specs[0])
        finally:
            reservation.release()

    # --- describing the session -------------------------------------------------------

    @property
    def django_version(self) -> str:
        """The running Django's version (readable before Django is set up)."""
        import django

        return django.get_version()

    def recent_figures(
        self,
        seconds: float,
        until: float | None = None,
        not_before: float | None = None,
    ) -> Figures | None:
        """The figures beside the graphs over ``seconds`` (``tui.engine.figures``).

        None before the instruments have started.
        """
        if self.monitor is None or self.probe is None:
            return None
        return recent_figures(self.monitor, self.probe, seconds, until, not_before)

    def last_recording(self) -> Recording:
        """The newest run that answered, its ticks, pings and stalls, for a replay.

        Raises:
            NothingToReplay: with the reason none can be replayed now.
        """
        if self.monitor is None or self.probe is None:
            raise NothingToReplay("still starting up; try again in a moment")
        return pick_recording(
            self.results, self.monitor, self.probe, self._in_flight, self.runs_started
        )

    def metadata(self) -> dict[str, Any]:
        """Facts about the session for exports (JSON-serialisable)."""
        return {
            "target": self.target.name,
            "settings": self.target.settings_module,
            **self.target.describe,
            "django": self.django_version,
            "python": sys.version.split()[0],
            "latency_ms": self._latency_ms,
            "runs_started": self._runs_started,
        }

    def snapshot(self, **extra: Any) -> Session:
        """The whole session so far, frozen, with ``extra`` facts added.

        Reads the archive on the calling thread, the loop's: for when nothing
        is being measured any more (the end of a headless report).

        Raises:
            RunRefused: before the instruments have started.
        """
        session, cut = self.capture(**extra)
        return session if cut is None else session.with_archive(cut)

    async def snapshot_off_loop(self, **extra: Any) -> Session:
        """As ``snapshot``, reading the archive in a worker thread.

        An hour's archive is hundreds of thousands of ticks; unpacking them on
        the loop would show up as a stall in the very session being exported.
        """
        session, cut = self.capture(**extra)
        if cut is None:
            return session
        return await asyncio.to_thread(session.with_archive, cut)

    def capture(self, **extra: Any) -> tuple[Session, ArchiveCut | None]:
        """What the monitor and probe hold, and a cut of the archive (on the loop)."""
        if self.monitor is None:
            raise RunRefused("nothing measured yet")
        meta = {**self.metadata(), **extra}
        return self.record.capture(self.results, self.monitor, self.probe, meta)
