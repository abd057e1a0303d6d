"""Fire a ``RunSpec`` at the Django ASGI app in-process and measure the run.

Every request goes through Django's real ASGI handler (``tui.inprocess``), on
the loop the heartbeat watches. A run becomes a ``RunResult`` that holds what
the view reported (rows, statements, threads) and what the loop felt while
the run was in flight (lag, stalls, the latency of a concurrent ping).
"""

import asyncio
import time
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from typing import Any

from tui.causes import CauseMeter, RunCauses
from tui.formatting import describe_stall, stall_place
from tui.heartbeat import LoopMonitor
from tui.inprocess import AsgiResponse, get
from tui.loopstats import STARVED, Stall, percentile
from tui.owners import DEMO, LOOPBEAT, OWNER, SCREEN
from tui.printable import printable
from tui.probe import PingProbe
from tui.runs import RunSpec
from tui.verdicts import Verdict, judge

LATENCY_HEADER = "X-Loopbeat-Latency-Ms"
"""The header demoapp reads a request's simulated latency from (the same name
as ``demoapp.netsim.LATENCY_HEADER``; a test keeps the two in step)."""
STALL_SETTLE = 0.03
"""Seconds to wait after a run for the watchdog to report a stall's end."""


@dataclass(frozen=True)
class StallSummary:
    """Where the loop was stuck, for how long, why, and in one line."""

    location: str
    duration: float
    cause: str | None = None
    owner: str | None = None
    text: str = ""


@dataclass(frozen=True)
class RequestSpan:
    """One request of a run: when it went out, how long it took, where it ran."""

    started: float
    """When it was sent (``perf_counter`` seconds)."""
    wall: float
    status: int
    query_threads: tuple[str, ...]
    """The threads that ran its statements, in order of first use."""
    view_thread: str | None
    """The thread the view ran on (``MainThread`` for an async view)."""

    @property
    def thread(self) -> str | None:
        """The thread that ran its queries (the first), else its view's."""
        return self.query_threads[0] if self.query_threads else self.view_thread


@dataclass(frozen=True)
class RunResult:
    """One run of a ``RunSpec`` (one request, or a burst of concurrent ones)."""

    number: int
    """The run's number in its session, as the table shows it."""
    spec: RunSpec
    """What ran, with the latency that applied filled in."""
    status: int
    rows: int
    queries: int
    hops: int
    """``sync_to_async`` calls the views made: thread hops."""
    query_threads: tuple[str, ...]
    view_threads: tuple[str, ...]
    started: float
    wall: float
    request_walls: tuple[float, ...]
    loop_max_lag: float
    loop_p99_lag: float
    loop_blocked: float
    ping_p99: float | None
    ping_max: float | None
    stalls: tuple[StallSummary, ...]
    error: str | None = None
    causes: RunCauses | None = None
    """What kept the loop from reacting, by cause and by owner."""
    requests: tuple[RequestSpan, ...] = ()
    """Each request of the run, in the order they were sent."""

    @property
    def label(self) -> str:
        """The run's one name (see ``RunSpec.label``)."""
        return self.spec.label

    @property
    def pattern(self) -> str:
        """The catalog name of the pattern that ran."""
        return self.spec.pattern.name

    @property
    def title(self) -> str:
        """The pattern's title."""
        return self.spec.pattern.title

    @property
    def burst(self) -> int:
        """How many concurrent requests fired."""
        return self.spec.burst

    @property
    def latency_ms(self) -> float:
        """The simulated latency the run's statements had, in milliseconds."""
        return self.spec.latency_ms or 0.0

    @property
    def blocked_share(self) -> float:
        """The share of the run's wall time the loop could not react."""
        return self.loop_blocked / self.wall if self.wall > 0 else 0.0

    @property
    def judgement(self) -> Verdict:
        """What the run did to the loop, judged by cause (``tui.verdicts``)."""
        return judge(self.causes, self.error)

    @property
    def froze_loop(self) -> bool:
        """Whether the demo held the loop itself (froze or blocked it)."""
        return self.judgement.held_the_loop

    @property
    def verdict(self) -> str:
        """A sentence built from the measurements, never typed in.

        An error's message is outside text: its control characters are shown
        as escapes (``tui.printable``).
        """
        return printable(self.judgement.sentence())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON export: the spec flattened, and the verdict."""
        data = asdict(self)
        del data["spec"]
        return {
            "number": self.number,
            "label": self.label,
            "pattern": self.pattern,
            "title": self.title,
            "url": self.spec.url,
            "burst": self.burst,
            "latency_ms": self.latency_ms,
            **data,
            "causes": self.causes.as_dict() if self.causes else None,
            "verdict": self.verdict,
            "verdict_kind": self.judgement.kind,
            "froze_loop": self.froze_loop,
        }


class RunClient:
    """Sends runs to the ASGI app and measures them with the monitor."""

    def __init__(
        self, app: Any, monitor: LoopMonitor, probe: PingProbe | None = None
    ) -> None:
        self.app = app
        self.monitor = monitor
        self.probe = probe
        self.meter = CauseMeter(
            monitor, monitor.ledger, monitor.loop_native_id, monitor.sampler
        )

    async def run(self, spec: RunSpec, number: int = 0) -> RunResult:
        """Send ``spec.burst`` concurrent requests and measure them.

        ``spec.latency_ms`` travels with each request as a header, so runs in
        flight together each get their own.
        """
        headers = {LATENCY_HEADER: f"{spec.latency_ms or 0.0:g}"}
        with self.probe.run_in_flight() if self.probe else nullcontext():
            mark = self.meter.begin()
            started = time.perf_counter()
            # The requests' tasks copy this context: the loop's work for them
            # is charged to the demo (tui/owners.py).
            owner = OWNER.set(DEMO)
            try:
                timed = await asyncio.gather(
                    *(self._timed_get(spec.url, headers) for _ in range(spec.burst))
                )
            finally:
                OWNER.reset(owner)
            ended = max(response.received for response, _ in timed)
            causes = self.meter.end(mark, ended)
        # The watchdog reports a stall's end from its own thread a few
        # milliseconds later, and the tick that a freeze made late only runs
        # once the response is out: give both that long before reading.
        await asyncio.sleep(STALL_SETTLE)
        return self._result(spec, number, started, ended, timed, causes)

    async def _timed_get(
        self, url: str, headers: dict[str, str]
    ) -> tuple[AsgiResponse, float]:
        started = time.perf_counter()
        response = await get(self.app, url, headers)
        return response, started

    def _result(
        self,
        spec: RunSpec,
        number: int,
        started: float,
        ended: float,
        timed: list[tuple[AsgiResponse, float]],
        causes: RunCauses,
    ) -> RunResult:
        bodies = [response.json() for response, _ in timed]
        spans = tuple(
            RequestSpan(
                sent,
                response.received - sent,
                response.status,
                tuple(body.get("query_threads", ())),
                body.get("view_thread"),
            )
            for (response, sent), body in zip(timed, bodies, strict=True)
        )
        errors = [b.get("error") or "" for b in bodies]
        failed = [r for r, _ in timed if r.status != 200]
        # Blocked time counts the run alone; the lag percentiles also take the
        # tick a freeze made late, which runs just after the response.
        blocked = self.monitor.stats(since=started, until=ended).blocked
        stats = self.monitor.stats(since=started, until=ended + STALL_SETTLE)
        pings = self.probe.samples(started, ended) if self.probe else []
        ping_latencies = sorted(p.latency for p in pings)
        return RunResult(
            number=number,
            spec=spec,
            status=failed[0].status if failed else 200,
            rows=sum(b.get("rows", 0) for b in bodies),
            queries=sum(b.get("queries", 0) for b in bodies),
            hops=sum(b.get("hops", 0) for b in bodies),
            query_threads=_unique(
                t for b in bodies for t in b.get("query_threads", ())
            ),
            view_threads=_unique(
                b["view_thread"] for b in bodies if "view_thread" in b
            ),
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
                    stall_place(s),
                    s.duration or 0.0,
                    s.cause,
                    s.owner,
                    describe_stall(s),
                )
                for s in self.monitor.stalls
                if started <= s.start <= ended and is_the_demos(s)
            ),
            error=next((e for e in errors if e), None)
            or (f"HTTP {failed[0].status}" if failed else None),
            causes=causes,
            requests=spans,
        )


def is_the_demos(stall: Stall) -> bool:
    """Whether a stall is the demo's doing: its code, or a starved loop.

    The screen's drawing and loopbeat's own work are never a run's culprit;
    a loop starved while a run is in flight is, whoever's callback lost the
    GIL (the demo's threads are what held it).
    """
    if stall.cause == STARVED:
        return True
    return stall.owner not in (SCREEN, LOOPBEAT)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
