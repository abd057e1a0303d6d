"""Fire a ``RunSpec`` at the target's ASGI app in-process and measure the run.

Every request goes through the project's real ASGI application, wrapped by
loopbeat (``tui.engine.wrapper``), on the loop the heartbeat watches; each
carries a recorder the wrapper and the hooks fill out of band. A run becomes
a ``RunResult`` (``tui.engine.results``): what its requests did and what the
loop felt while they were in flight.
"""

import asyncio
import itertools
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any
from urllib.parse import urlsplit

from tui.engine.inprocess import AsgiResponse, get
from tui.engine.probe import PingProbe
from tui.engine.record import RequestRecord, RequestRecorder
from tui.engine.results import RequestSpan, RunResult, StallSummary
from tui.engine.runs import RunSpec
from tui.engine.wrapper import EXTENSION
from tui.instrument.causes import CauseMeter, RunCauses
from tui.instrument.formatting import describe_stall, format_seconds, stall_place
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import BLOCKED, STARVED, Stall, percentile
from tui.instrument.owners import DEMO, LOOPBEAT, OWNER, RUN, SCREEN

STALL_SETTLE = 0.03
"""Seconds after a run's last byte whose ticks still count as the run's: the
tick a freeze made late only runs once the response is out."""
_RUN_TOKENS = itertools.count(1)
"""One token per run sent, process-wide: runs of several clients never share."""
RUN_NAMES_KEPT = 64
"""Recent runs whose names are kept, to say which one held another up."""


class RunClient:
    """Sends runs to the target's (wrapped) ASGI app and measures them.

    Args:
        app: The target's application inside loopbeat's ``RecordingApp``.
        monitor: The loop monitor watching the loop the requests run on.
        probe: The ping probe, told when runs are in flight.
        host: The ``Host`` the requests carry (one ``ALLOWED_HOSTS`` accepts).
        rows_from: Reads the rows off a response, where the target's own
            answers say them (``Target.rows_from``).
    """

    def __init__(
        self,
        app: Any,
        monitor: LoopMonitor,
        probe: PingProbe | None = None,
        *,
        host: str = "localhost",
        rows_from: Callable[[bytes], int | None] | None = None,
    ) -> None:
        self.app = app
        self.monitor = monitor
        self.probe = probe
        self.host = host
        self.rows_from = rows_from
        self.meter = CauseMeter(
            monitor, monitor.ledger, monitor.loop_native_id, monitor.sampler
        )
        self._names: dict[int, str] = {}
        """Recent runs' names by token, for the runs they held up."""

    async def run(self, spec: RunSpec, number: int = 0, app: Any = None) -> RunResult:
        """Send ``spec.burst`` concurrent requests and measure them.

        ``spec.latency_ms`` travels with each request, in its recorder, so runs
        in flight together each get their own. ``app``: another (wrapped)
        application to send them to, such as the project without one of its
        middleware (``tui.engine.audit``); by default the client's own.
        """
        latency = (spec.latency_ms or 0.0) / 1000
        token = next(_RUN_TOKENS)
        self._names[token] = f"#{number} {spec.label}" if number else spec.label
        while len(self._names) > RUN_NAMES_KEPT:
            del self._names[next(iter(self._names))]
        with self.probe.run_in_flight() if self.probe else nullcontext():
            mark = self.meter.begin(token)
            started = time.perf_counter()
            # The requests' tasks copy this context: the loop's work for
            # them is charged to the demo, and to this run (tui/instrument/owners.py).
            owner, run = OWNER.set(DEMO), RUN.set(token)
            try:
                timed = await asyncio.gather(
                    *(
                        self._timed_get(app or self.app, spec, latency)
                        for _ in range(spec.burst)
                    )
                )
            finally:
                RUN.reset(run)
                OWNER.reset(owner)
            ended = max(response.received for response, _, _ in timed)
            causes = self.meter.end(mark, ended)
        # The tick a freeze made late runs only once the response is out, and
        # the watchdog hands a stall over from its thread once it has ended.
        await asyncio.sleep(self.monitor.interval)
        await self.monitor.stalls_settled(ended)
        return self._result(spec, number, token, started, ended, timed, causes)

    async def _timed_get(
        self, app: Any, spec: RunSpec, latency: float
    ) -> tuple[AsgiResponse, float, RequestRecord]:
        recorder = RequestRecorder(latency)
        started = time.perf_counter()
        response = await get(
            app,
            spec.url,
            host=self.host,
            method=spec.method,
            extensions={EXTENSION: recorder},
        )
        return response, started, recorder.freeze()

    def _rows(
        self, timed: list[tuple[AsgiResponse, float, RequestRecord]]
    ) -> int | None:
        """Rows over the run's requests: the target's word, else the backend's."""
        counts = [
            self.rows_from(response.body) if self.rows_from else record.rows
            for response, _, record in timed
        ]
        if any(count is None for count in counts):
            return None
        return sum(c for c in counts if c is not None)

    def _result(
        self,
        spec: RunSpec,
        number: int,
        token: int,
        started: float,
        ended: float,
        timed: list[tuple[AsgiResponse, float, RequestRecord]],
        causes: RunCauses,
    ) -> RunResult:
        spans = tuple(
            RequestSpan(sent, response.received - sent, response.status, record)
            for response, sent, record in timed
        )
        records = [span.record for span in spans]
        raised = [str(r.raised) for r in records if r.raised is not None]
        failed = [r for r, _, _ in timed if r.status >= 400]
        redirect = next(
            (r.location for r, _, _ in timed if 300 <= r.status < 400 and r.location),
            None,
        )
        # Blocked time counts the run alone; the lag percentiles also take the
        # tick a freeze made late, which runs just after the response.
        blocked = self.monitor.stats(since=started, until=ended).blocked
        stats = self.monitor.stats(since=started, until=ended + STALL_SETTLE)
        pings = self.probe.samples(started, ended) if self.probe else []
        ping_latencies = sorted(p.latency for p in pings)
        during = [
            s
            for s in self.monitor.stalls
            if started <= s.start <= ended and is_the_demos(s)
        ]
        # A stall whose callback served another run is that run's: this one
        # says it was held up by it, and never takes its freeze or its line.
        # Starvation is charged by thread, not by the callback that lost the
        # GIL, so a starved stall stays with every run it overlapped.
        mine = [s for s in during if s.cause == STARVED or s.run in (0, token)]
        theirs = [s for s in during if s not in mine]

        def serving(stall: Stall) -> str | None:
            # Only this run's own callback can be said to serve its URL.
            return spec.url if stall.run == token else None

        return RunResult(
            number=number,
            spec=spec,
            status=failed[0].status if failed else timed[0][0].status,
            rows=self._rows(timed),
            queries=sum(r.queries for r in records),
            hops=sum(r.view_hops for r in records),
            query_threads=_unique(t for r in records for t in r.query_threads),
            view_threads=_unique(r.view_thread for r in records if r.view_thread),
            started=started,
            wall=ended - started,
            request_walls=tuple(span.wall for span in spans),
            loop_max_lag=max(stats.max, self.monitor.max_block(started, ended)),
            loop_p99_lag=stats.p99,
            loop_blocked=blocked,
            ping_p99=percentile(ping_latencies, 99) if pings else None,
            ping_max=ping_latencies[-1] if ping_latencies else None,
            stalls=tuple(
                StallSummary(
                    stall_place(s, serving(s)),
                    s.duration,
                    s.cause,
                    s.owner,
                    describe_stall(s, serving(s)),
                )
                for s in mine
            ),
            held_up_by=_held_up_by_text(self._names, theirs),
            stopped=self.monitor.stops.stopped_within(started, ended),
            thread_hops=sum(len(r.hops) for r in records),
            redirect=redirect,
            login_required=redirect is not None and _is_login(redirect),
            error=raised[0] if raised else _http_error(failed),
            causes=causes,
            requests=spans,
        )


def _held_up_by_text(names: dict[int, str], stalls: list[Stall]) -> tuple[str, ...]:
    """``#41 sync-unguarded froze 1.08 s`` for each other run's worst stall."""
    worst: dict[int, Stall] = {}
    for stall in stalls:
        if stall.run not in worst or stall.duration > worst[stall.run].duration:
            worst[stall.run] = stall
    texts = []
    for run, stall in worst.items():
        verb = "blocked" if stall.cause == BLOCKED else "froze"
        name = names.get(run, "another run")
        texts.append(f"{name} ({verb} {format_seconds(stall.duration)})")
    return tuple(texts)


def is_the_demos(stall: Stall) -> bool:
    """Whether a stall is the demo's doing: its code, or a starved loop.

    The screen's drawing and loopbeat's own work are never a run's culprit;
    a loop starved while a run is in flight is, whoever's callback lost the
    GIL (the demo's threads are what held it).
    """
    if stall.mostly_stopped:
        return False  # nobody's doing: the run says it was stopped instead
    if stall.cause == STARVED:
        return True
    return stall.owner not in (SCREEN, LOOPBEAT)


def _is_login(location: str) -> bool:
    """Whether ``location`` is the project's ``LOGIN_URL`` (Django's setting)."""
    try:
        from django.conf import settings
        from django.shortcuts import resolve_url

        login = str(resolve_url(settings.LOGIN_URL))
    except Exception:  # no settings, or a LOGIN_URL that does not resolve
        return False
    return urlsplit(location).path == urlsplit(login).path


def _http_error(failed: list[AsgiResponse]) -> str | None:
    return f"HTTP {failed[0].status}" if failed else None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
