"""Fire fetch patterns at the Django ASGI app in-process and measure each run.

Every request goes through Django's real ASGI handler (``tui.inprocess``), on
the loop the heartbeat watches. A run becomes a ``PatternResult`` that holds
what the view reported (rows, statements, threads) and what the loop felt
while the run was in flight (lag, stalls, the latency of a concurrent ping).
"""

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass
from typing import Any

from demoapp import netsim
from tui.formatting import format_seconds
from tui.heartbeat import LoopMonitor
from tui.inprocess import AsgiResponse, get
from tui.loopstats import percentile
from tui.patterns import Pattern

FROZEN_SHARE = 0.7
"""A run 'froze the loop' when the loop was blocked for at least this share of it."""
SLOWED_SHARE = 0.2
"""...and 'slowed the loop' (GIL contention) from this share up,"""
SLOWED_MIN_LAG = 0.016
"""...if its worst lag also exceeded one frame at 60 Hz (seconds)."""
MAX_PINGS_IN_FLIGHT = 4
"""The probe stops sending while this many of its pings are unanswered."""
NOT_TO_BLAME = (netsim.__file__,)
"""Files a stall is never attributed to: the simulated network wait stands in
for a socket read, so the blame goes to the view line that issued the query."""
STALL_SETTLE = 0.03
"""Seconds to wait after a run for the watchdog to report a stall's end."""


@dataclass(frozen=True)
class PingSample:
    """One ``/ping``: when it was due and how long after that the answer came."""

    due: float
    latency: float


class PingProbe:
    """Requests ``/ping`` every ``interval`` seconds, as another user would.

    Its latency is what every other client of the server feels while an
    experiment runs. Latency is counted from when the ping was *due*, not from
    when the probe managed to send it: a frozen loop cannot even send, and
    timing from the late send would hide the freeze (coordinated omission).
    Between experiments it pings every ``idle_interval`` instead: each ping
    costs Django a thread of its own, and an idle app should stay cheap.
    Samples are kept in a bounded buffer.
    """

    def __init__(
        self,
        app,
        interval: float = 0.05,
        capacity: int = 20_000,
        on_sample: Callable[[PingSample], None] | None = None,
        idle_interval: float = 0.5,
    ) -> None:
        self.app = app
        self.interval = interval
        self.idle_interval = idle_interval
        self.on_sample = on_sample
        self._samples: deque[PingSample] = deque(maxlen=capacity)
        self._task: asyncio.Task | None = None
        self._experiments = 0
        self._experiment_started = asyncio.Event()

    @contextmanager
    def experiment(self) -> Iterator[None]:
        """Probe at the full rate for the duration of a run."""
        self._experiments += 1
        self._experiment_started.set()
        try:
            yield
        finally:
            self._experiments -= 1

    def start(self) -> None:
        """Start probing on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._probe(), name="loopbeat-ping-probe"
            )

    async def stop(self) -> None:
        """Stop probing and wait for the probe task to end."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _probe(self) -> None:
        # Each ping is its own task, sent when due: waiting for the previous
        # one (whose Django clean-up can itself be stuck behind a freeze)
        # would let the probe skip exactly the moments worth measuring.
        pending: set[asyncio.Task] = set()
        due = time.perf_counter()
        try:
            while True:
                if len(pending) < MAX_PINGS_IN_FLIGHT:
                    task = asyncio.create_task(self._ping(due))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                now = time.perf_counter()
                interval = self.interval if self._experiments else self.idle_interval
                # After a freeze, carry on from now rather than firing a
                # volley of catch-up pings.
                due = max(due + interval, now)
                if await self._experiment_starts_within(due - now):
                    due = time.perf_counter()
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _experiment_starts_within(self, seconds: float) -> bool:
        """Wait ``seconds``, or less if an experiment starts: then return True."""
        self._experiment_started.clear()
        try:
            await asyncio.wait_for(self._experiment_started.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _ping(self, due: float) -> None:
        try:
            response = await get(self.app, "/ping")
        except Exception:  # one failed ping must not stop the probe
            return
        sample = PingSample(due, response.received - due)
        self._samples.append(sample)
        if self.on_sample is not None:
            self.on_sample(sample)

    def samples(
        self, since: float | None = None, until: float | None = None
    ) -> list[PingSample]:
        """Pings due or in flight at any moment of ``[since, until]``."""
        since = float("-inf") if since is None else since
        until = float("inf") if until is None else until
        return [
            s for s in self._samples if s.due <= until and s.due + s.latency >= since
        ]


def run_label(pattern_name: str, burst: int) -> str:
    """``async-for``, or ``async-for x5`` for a burst of five."""
    return pattern_name if burst == 1 else f"{pattern_name} x{burst}"


@dataclass(frozen=True)
class StallSummary:
    """Where the loop was stuck, and for how long."""

    location: str
    duration: float


@dataclass(frozen=True)
class PatternResult:
    """One run of a pattern (one request, or a burst of concurrent ones)."""

    pattern: str
    title: str
    burst: int
    status: int
    rows: int
    queries: int
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
    latency_ms: float
    error: str | None = None

    @property
    def blocked_share(self) -> float:
        """The share of the run's wall time the loop could not react."""
        return self.loop_blocked / self.wall if self.wall > 0 else 0.0

    @property
    def froze_loop(self) -> bool:
        """Whether the loop was blocked for most of the run (measured)."""
        return self.blocked_share >= FROZEN_SHARE

    @property
    def verdict(self) -> str:
        """A sentence built from the measurements, never typed in."""
        if self.error:
            kind = self.error.split(":", 1)[0]
            return f"raised {kind}" if kind.isidentifier() else f"failed: {self.error}"
        max_lag = format_seconds(self.loop_max_lag)
        if self.froze_loop:
            return f"froze the loop for {format_seconds(self.loop_blocked)}"
        if self.blocked_share >= SLOWED_SHARE and self.loop_max_lag > SLOWED_MIN_LAG:
            return f"slowed: busy {self.blocked_share:.0%}, max lag {max_lag}"
        return f"loop kept beating: max lag {max_lag}"

    @property
    def label(self) -> str:
        """The pattern's name, with the burst size when there was one."""
        return run_label(self.pattern, self.burst)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON export, with the verdict."""
        return {**asdict(self), "verdict": self.verdict, "froze_loop": self.froze_loop}


class PatternRunner:
    """Runs patterns against the ASGI app and measures them with the monitor."""

    def __init__(
        self, app, monitor: LoopMonitor, probe: PingProbe | None = None
    ) -> None:
        self.app = app
        self.monitor = monitor
        self.probe = probe

    async def run(self, pattern: Pattern, burst: int = 1) -> PatternResult:
        """Send ``burst`` concurrent requests for ``pattern`` and measure them."""
        with self.probe.experiment() if self.probe else nullcontext():
            started = time.perf_counter()
            timed = await asyncio.gather(
                *(self._timed_get(pattern.url) for _ in range(burst))
            )
            ended = max(response.received for response, _ in timed)
        # The watchdog reports a stall's end from its own thread a few
        # milliseconds later, and the tick that a freeze made late only runs
        # once the response is out: give both that long before reading.
        await asyncio.sleep(STALL_SETTLE)
        return self._result(pattern, burst, started, ended, timed)

    async def _timed_get(self, url: str) -> tuple[AsgiResponse, float]:
        started = time.perf_counter()
        response = await get(self.app, url)
        return response, response.received - started

    def _result(
        self,
        pattern: Pattern,
        burst: int,
        started: float,
        ended: float,
        timed: list[tuple[AsgiResponse, float]],
    ) -> PatternResult:
        bodies = [response.json() for response, _ in timed]
        errors = [b.get("error") or "" for b in bodies]
        failed = [r for r, _ in timed if r.status != 200]
        # Blocked time counts the run alone; the lag percentiles also take the
        # tick a freeze made late, which runs just after the response.
        blocked = self.monitor.stats(since=started, until=ended).blocked
        stats = self.monitor.stats(since=started, until=ended + STALL_SETTLE)
        pings = self.probe.samples(started, ended) if self.probe else []
        ping_latencies = sorted(p.latency for p in pings)
        return PatternResult(
            pattern=pattern.name,
            title=pattern.title,
            burst=burst,
            status=failed[0].status if failed else 200,
            rows=sum(b.get("rows", 0) for b in bodies),
            queries=sum(b.get("queries", 0) for b in bodies),
            query_threads=_unique(
                t for b in bodies for t in b.get("query_threads", ())
            ),
            view_threads=_unique(
                b["view_thread"] for b in bodies if "view_thread" in b
            ),
            started=started,
            wall=ended - started,
            request_walls=tuple(wall for _, wall in timed),
            loop_max_lag=max(stats.max, self.monitor.max_block(started, ended)),
            loop_p99_lag=stats.p99,
            loop_blocked=blocked,
            ping_p99=percentile(ping_latencies, 99) if pings else None,
            ping_max=ping_latencies[-1] if ping_latencies else None,
            stalls=tuple(
                StallSummary(s.project_frame or s.innermost_frame, s.duration or 0.0)
                for s in self.monitor.stalls
                if started <= s.start <= ended
            ),
            latency_ms=netsim.latency_ms(),
            error=next((e for e in errors if e), None)
            or (f"HTTP {failed[0].status}" if failed else None),
        )


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
