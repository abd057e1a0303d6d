"""The figures beside the live graphs: worst and p99 lag and ping over a span."""

import time

from tui.engine.probe import PingProbe
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import percentile

Figures = tuple[float | None, float | None, float | None, float | None]
"""Worst loop lag, p99 loop lag, worst ping, p99 ping; None where unmeasured."""


def recent_figures(
    monitor: LoopMonitor,
    probe: PingProbe,
    seconds: float,
    until: float | None = None,
    not_before: float | None = None,
) -> Figures:
    """Worst and p99 loop lag, worst and p99 ping over ``seconds``.

    The span ends ``until`` (by default now: a frozen graph passes the moment
    it froze) and starts no earlier than ``not_before`` (a clear). A figure
    is None when nothing was measured in the span.
    """
    until = time.perf_counter() if until is None else until
    since = until - seconds
    if not_before is not None:
        since = max(since, not_before)
    lag = monitor.stats(since=since, until=until)
    lag_max = max(lag.max, monitor.max_block(since=since, until=until))
    pings = sorted(p.latency for p in probe.samples(since, until))
    return (
        lag_max if lag.count else None,
        lag.p99 if lag.count else None,
        pings[-1] if pings else None,
        percentile(pings, 99) if pings else None,
    )
