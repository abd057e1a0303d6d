"""The engine session: Django, the instruments and the runs, without a screen.

A ``Bench`` is what the live app and headless mode share, so they cannot
drift: it configures Django, starts the loop monitor and the ping probe,
accepts runs within the in-flight limits, numbers them, keeps their results
within a bound, and describes the session for exports.

It is the one place in ``tui`` (with the command line) that imports
``demoapp``, and it imports no Textual.
"""

import asyncio
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tui.archive import ArchiveCut, SessionArchive
from tui.client import RunClient, RunResult
from tui.heartbeat import LoopMonitor
from tui.inprocess import get
from tui.loopstats import Sample, Stall, percentile
from tui.memory import freeze_survivors, limit_malloc_arenas, thaw_survivors
from tui.owners import LOOPBEAT, OWNER
from tui.probe import PingProbe, PingSample
from tui.replay import Recording, from_run
from tui.reservation import Batch, Reservation, RunRefused
from tui.runs import MAX_BURST, RunSpec, check_latency
from tui.session import Session

MAX_RUNS_IN_FLIGHT = 3
"""Runs allowed at once; more are refused with a reason."""
MAX_REQUESTS_IN_FLIGHT = MAX_BURST
"""Requests allowed at once, bursts counted per request: three bursts of the
largest size must not triple the memory a talk's laptop has to find."""
MAX_RESULTS = 200
"""Runs kept; older ones make way. A talk has far fewer; the bound keeps an
all-day booth demo's memory flat."""
PING_CAPACITY = 2_000
"""Pings kept: 100 s at the probe's busy rate."""
WARM_UP_URLS = ("/ping", "/async/get-count")
"""Django compiles URL patterns and SQL on first use, on the loop thread; they
are requested once before the first run so that cost is not measured."""


class Bench:
    """One engine session over a demo database.

    Args:
        db_path: The demo database (already checked by the caller).
        interval: Heartbeat tick interval in seconds.
        window: Seconds of heartbeat history kept.
        latency_ms: The session's simulated latency, for runs that do not set
            their own.
        asgi_app: The ASGI application (default: demoapp's, once configured).
        on_ping: Called on the loop with every ping sample.
    """

    def __init__(
        self,
        db_path: Path,
        *,
        interval: float = 0.005,
        window: float = 60.0,
        latency_ms: float = 0.0,
        asgi_app: Any = None,
        on_ping: Callable[[PingSample], None] | None = None,
    ) -> None:
        self.db_path = db_path
        self.interval = interval
        self.window = window
        self._latency_ms = check_latency(latency_ms)
        self._asgi_app = asgi_app
        self._on_ping = on_ping
        self.monitor: LoopMonitor | None = None
        self.archive: SessionArchive | None = None
        """Every tick, ping and stall of the session, on disk (for exports)."""
        self.probe: PingProbe | None = None
        self._client: RunClient | None = None
        self.results: deque[RunResult] = deque(maxlen=MAX_RESULTS)
        self._runs_started = 0
        self._runs_in_flight = 0
        self._requests_in_flight = 0
        self._frozen = False

    # --- life cycle ---------------------------------------------------------------

    async def start(self) -> None:
        """Set Django up (in a thread), start the instruments, warm Django up."""
        # Django's set-up and warm-up are loopbeat's work, not the demo's.
        owner = OWNER.set(LOOPBEAT)
        try:
            await self._start()
        finally:
            OWNER.reset(owner)

    async def _start(self) -> None:
        from demoapp import netsim
        from demoapp.bootstrap import configure_django

        limit_malloc_arenas()  # before the request threads start (tui/memory.py)
        # In a thread: the live app's first frame does not wait for the imports.
        await asyncio.to_thread(configure_django, self.db_path)
        if self._asgi_app is None:
            from demoapp.asgi import application

            self._asgi_app = application
        freeze_survivors()  # a full collection would read as lag no run caused
        self._frozen = True
        # The simulated network wait stands in for a socket read: a stall is
        # blamed on the view line that issued the query, not on the hook.
        self.monitor = LoopMonitor(
            interval=self.interval,
            window=self.window,
            excluded_files=(netsim.__file__,),
        )
        self.monitor.start()
        self.archive = SessionArchive()
        self.monitor.subscribe(self._archive_item)
        self.probe = PingProbe(
            self._asgi_app, capacity=PING_CAPACITY, on_sample=self._ping_seen
        )
        self.probe.start()
        for url in WARM_UP_URLS:
            await get(self._asgi_app, url)
        self._client = RunClient(self._asgi_app, self.monitor, self.probe)

    def _archive_item(self, item: Sample | Stall) -> None:
        if self.archive is not None:
            if isinstance(item, Sample):
                self.archive.add_tick(item)
            else:
                self.archive.add_stall(item)

    def _ping_seen(self, sample: PingSample) -> None:
        if self.archive is not None:
            self.archive.add_ping(sample.due, sample.latency)
        if self._on_ping is not None:
            self._on_ping(sample)

    async def stop(self) -> None:
        """Stop the probe and the monitor; safe to call more than once.

        Requests still in flight are abandoned: Django's tasks for them end
        with ``RequestAborted`` or a cancellation, which is no news at this
        point, so they are not reported as "never retrieved".
        """
        asyncio.get_running_loop().set_exception_handler(_quiet_about_abandoned)
        self._client = None
        if self.probe is not None:
            await self.probe.stop()
        if self.monitor is not None:
            await self.monitor.stop()
        if self._frozen:
            thaw_survivors()
            self._frozen = False
        if self.archive is not None:
            self.archive.close()
            self.archive = None

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
        return self._runs_in_flight

    @property
    def runs_started(self) -> int:
        """Runs of the session started so far (the newest run's number)."""
        return self._runs_started

    @property
    def requests_in_flight(self) -> int:
        """Requests those runs may have in flight at once."""
        return self._requests_in_flight

    def reserve(self, specs: Sequence[RunSpec]) -> Reservation:
        """Take room for ``specs`` (run one after another) now, or refuse.

        Raises:
            RunRefused: not started yet, or the limits are reached.
        """
        if not self.ready:
            raise RunRefused("still starting up; try again in a moment")
        if not specs:
            raise RunRefused("nothing to run")
        if self._runs_in_flight >= MAX_RUNS_IN_FLIGHT:
            raise RunRefused(
                f"{self._runs_in_flight} runs already in flight; wait for one to finish"
            )
        requests = max(spec.burst for spec in specs)
        if self._requests_in_flight + requests > MAX_REQUESTS_IN_FLIGHT:
            raise RunRefused(
                f"{self._requests_in_flight} requests already in flight; "
                f"at most {MAX_REQUESTS_IN_FLIGHT} at once"
            )
        self._runs_in_flight += 1
        self._requests_in_flight += requests
        resolved = tuple(spec.at_latency(self._latency_ms) for spec in specs)
        return Reservation(resolved, requests, self._release)

    def _release(self, reservation: Reservation) -> None:
        self._runs_in_flight -= 1
        self._requests_in_flight -= reservation.requests

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
        result = await self._client.run(spec, number)
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

    async def run_unrecorded(self, spec: RunSpec) -> RunResult:
        """Run ``spec`` outside the session: no number, no room, not kept.

        For the noise check's control runs, which judge the machine, not the
        demo, and must not appear among the presenter's runs.
        """
        if self._client is None:
            raise RunRefused("the session has stopped")
        return await self._client.run(spec.at_latency(self._latency_ms), 0)

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
    ) -> tuple[float | None, float | None, float | None, float | None] | None:
        """Worst and p99 loop lag, worst and p99 ping over ``seconds``.

        The span ends ``until`` (by default now: a frozen graph passes the
        moment it froze) and starts no earlier than ``not_before`` (a clear).
        None before the instruments have started; a figure is None when
        nothing was measured in the span.
        """
        if self.monitor is None or self.probe is None:
            return None
        until = time.perf_counter() if until is None else until
        since = until - seconds
        if not_before is not None:
            since = max(since, not_before)
        lag = self.monitor.stats(since=since, until=until)
        lag_max = max(lag.max, self.monitor.max_block(since=since, until=until))
        pings = sorted(p.latency for p in self.probe.samples(since, until))
        return (
            lag_max if lag.count else None,
            lag.p99 if lag.count else None,
            pings[-1] if pings else None,
            percentile(pings, 99) if pings else None,
        )

    def last_recording(self) -> Recording | None:
        """The newest finished run's ticks, pings and stalls, for a replay.

        None before any run finished, or once its ticks are no longer kept.
        """
        run = next((r for r in reversed(self.results) if r.error is None), None)
        if run is None or self.monitor is None or self.probe is None:
            return None
        return from_run(run, self.monitor, self.probe)

    def metadata(self) -> dict[str, Any]:
        """Facts about the session for exports (JSON-serialisable)."""
        return {
            "database": str(self.db_path),
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
        session = Session.capture(self.results, self.monitor, self.probe, meta)
        return session, self.archive.cut() if self.archive is not None else None


def _quiet_about_abandoned(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """Drop the errors of requests abandoned at shutdown; report the rest."""
    from django.core.exceptions import RequestAborted

    error = context.get("exception")
    if isinstance(error, RequestAborted | asyncio.CancelledError):
        return
    loop.default_exception_handler(context)
