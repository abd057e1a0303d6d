"""The ping probe: what every other user of the server feels during a run.

A trivial view (the target's ping path; the demo's ``/ping``) is requested on
a schedule through the same in-process ASGI application as the runs. Its
latency is read from when each ping was due, so a frozen loop that cannot even
send is measured, not hidden.
"""

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from tui.engine.inprocess import get
from tui.engine.wrapper import EXTENSION
from tui.instrument.owners import LOOPBEAT, context_of

LOOPBEAT_SENT = {EXTENSION: None}
"""Marks a ping as loopbeat's, unrecorded: the wrapper answers its own ping path."""
MAX_PINGS_IN_FLIGHT = 4
"""The probe stops sending while this many of its pings are unanswered."""


@dataclass(frozen=True)
class PingSample:
    """One ping: when it was due and how long after that the answer came."""

    due: float
    latency: float


class PingProbe:
    """Requests ``path`` every ``interval`` seconds, as another user would.

    Its latency is what every other client of the server feels while an
    run is in flight. Latency is counted from when the ping was *due*, not from
    when the probe managed to send it: a frozen loop cannot even send, and
    timing from the late send would hide the freeze (coordinated omission).
    Between runs it pings every ``idle_interval`` instead: each ping
    costs Django a thread of its own, and an idle app should stay cheap.
    Samples are kept in a bounded buffer. ``host`` is the ``Host`` it sends,
    one the project's ``ALLOWED_HOSTS`` accepts.
    """

    def __init__(
        self,
        app: Any,
        interval: float = 0.05,
        capacity: int = 20_000,
        on_sample: Callable[[PingSample], None] | None = None,
        idle_interval: float = 0.5,
        *,
        path: str = "/ping",
        host: str = "localhost",
    ) -> None:
        self.app = app
        self.path = path
        self.host = host
        self.interval = interval
        self.idle_interval = idle_interval
        self.on_sample = on_sample
        self._samples: deque[PingSample] = deque(maxlen=capacity)
        self._task: asyncio.Task | None = None
        self._runs = 0
        self._run_started = asyncio.Event()

    @contextmanager
    def run_in_flight(self) -> Iterator[None]:
        """Probe at the full rate while the ``with`` block (a run) lasts."""
        self._runs += 1
        self._run_started.set()
        try:
            yield
        finally:
            self._runs -= 1

    def start(self) -> None:
        """Start probing on the running loop."""
        if self._task is None:
            # The probe's requests are loopbeat's work on the loop, not the
            # demo's (tui/instrument/owners.py); their tasks copy this context.
            self._task = asyncio.get_running_loop().create_task(
                self._probe(), name="loopbeat-ping-probe", context=context_of(LOOPBEAT)
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
                interval = self.interval if self._runs else self.idle_interval
                # After a freeze, carry on from now rather than firing a
                # volley of catch-up pings.
                due = max(due + interval, now)
                if await self._run_starts_within(due - now):
                    due = time.perf_counter()
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _run_starts_within(self, seconds: float) -> bool:
        """Wait ``seconds``, or less if a run starts: then return True."""
        self._run_started.clear()
        try:
            await asyncio.wait_for(self._run_started.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _ping(self, due: float) -> None:
        try:
            response = await get(
                self.app, self.path, host=self.host, extensions=LOOPBEAT_SENT
            )
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
