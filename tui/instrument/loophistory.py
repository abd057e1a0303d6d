"""What the heartbeat has recorded, and the readings taken off it.

``LoopHistory`` keeps the ticks, busy periods and stalls of the last
``window`` seconds in bounded buffers and answers questions about any span of
them (``samples``, ``busy_periods``, ``stats``, ``max_block``). The monitor
(``tui.instrument.heartbeat.LoopMonitor``) is a ``LoopHistory`` that also records: the
split keeps what is measured apart from how it is read.

Standard library only, like the monitor.
"""

import math
from bisect import bisect_left, bisect_right
from collections import deque
from functools import partial
from itertools import islice
from operator import attrgetter, ge, le, lt
from time import perf_counter

from tui.instrument.loopstats import (
    BusyPeriod,
    LagStats,
    Sample,
    Stall,
    corrected_lags,
    percentile,
)

_time = attrgetter("t")
_lag = attrgetter("lag")
_start = attrgetter("start")
_end = attrgetter("end")


def _overlap(period: BusyPeriod, since: float, until: float) -> float:
    return max(0.0, min(period.end, until) - max(period.start, since))


class LoopHistory:
    """Bounded records of one loop's ticks, busy periods and stalls.

    Args:
        interval: Seconds between heartbeat ticks.
        window: Seconds of history kept (older ticks and busy periods are
            dropped as new ones come), and the span statistics cover when no
            span is given.
        capacity: Most ticks, and most busy periods, kept; by default enough
            ticks for ``window``. Memory stops growing once ``window`` has
            passed, however busy the loop.
        busy_floor: Busy periods shorter than this (seconds) only go into the
            running total for utilization, not into the list of periods.
        max_stalls: Most stalls kept.

    Attributes:
        mode: "selector" when busy periods are timed at the loop's selector,
            "tick" when they are inferred from late ticks (each late tick
            becomes a period from when it was due, lasting its lag: a lower
            bound that misses up to one interval of the block).
    """

    def __init__(
        self,
        interval: float = 0.005,
        window: float = 60.0,
        capacity: int | None = None,
        busy_floor: float = 0.001,
        max_stalls: int = 100,
    ) -> None:
        if interval <= 0 or window <= 0:
            raise ValueError("interval and window must be positive")
        self.interval = interval
        self.window = window
        self.busy_floor = busy_floor
        self.mode = "tick"
        capacity = capacity or int(window / interval) + 16
        self._samples: deque[Sample] = deque(maxlen=capacity)
        # The running busy total as of each sample, to read utilization off.
        self._totals: deque[float] = deque(maxlen=capacity)
        self._busy: deque[BusyPeriod] = deque(maxlen=capacity)
        # Late wake-ups: the loop's select() came back later than its timeout
        # asked, so the loop thread was runnable but did not run (it waited
        # for the GIL or for a CPU). Busy periods cannot see these.
        self._late: deque[BusyPeriod] = deque(maxlen=capacity)
        self._late_total = 0.0
        self._stalls: deque[Stall] = deque(maxlen=max_stalls)
        self._busy_total = 0.0
        self._busy_since: float | None = None
        self._tick_due = math.inf

    @property
    def capacity(self) -> int:
        """Most ticks (and most busy periods) kept."""
        return self._samples.maxlen or 0

    @property
    def max_stalls(self) -> int:
        """Most stalls kept."""
        return self._stalls.maxlen or 0

    @property
    def stalls(self) -> list[Stall]:
        """The most recent stalls, oldest first; the last may still be going on."""
        return list(self._stalls)

    def samples(
        self, since: float | None = None, until: float | None = None
    ) -> list[Sample]:
        """Return the ticks taken within a span, by default the last ``window``.

        Args:
            since: Start of the span (perf_counter seconds).
            until: End of the span (perf_counter seconds); by default now.
        """
        since, until = self._span(since, until)
        first = bisect_left(self._samples, since, key=_time)
        end = bisect_right(self._samples, until, key=_time)
        return list(islice(self._samples, first, end))

    def busy_periods(
        self, since: float | None = None, until: float | None = None
    ) -> list[BusyPeriod]:
        """Return the busy periods of at least ``busy_floor`` overlapping a span.

        A period still going on at ``until`` (the loop is blocked right now) is
        included, cut off at ``until`` or now, whichever is sooner.

        Args:
            since: Start of the span (perf_counter seconds).
            until: End of the span (perf_counter seconds); by default now.
        """
        since, until = self._span(since, until)
        # Periods never overlap, so both their starts and their ends are sorted.
        first = bisect_right(self._busy, since, key=_end)
        end = bisect_left(self._busy, until, key=_start)
        periods = list(islice(self._busy, first, end))
        current = self._unresponsive_since()
        # Cut off at now too: a span that ends in the future (a run's figures
        # read with a settling margin) must not stretch the period the loop is
        # in right now, which is the reader's own work, to that future.
        cut = min(until, perf_counter())
        if current is not None and cut - current >= self.busy_floor:
            periods.append(BusyPeriod(current, cut - current))
        return periods

    def late_wakes(
        self, since: float | None = None, until: float | None = None
    ) -> list[BusyPeriod]:
        """The late wake-ups of at least ``busy_floor`` overlapping a span.

        Each runs from when the loop's select() should have returned to when
        it did: time the loop thread spent waiting to run again.
        """
        since, until = self._span(since, until)
        first = bisect_right(self._late, since, key=_end)
        end = bisect_left(self._late, until, key=_start)
        return list(islice(self._late, first, end))

    def stats(
        self,
        since: float | None = None,
        until: float | None = None,
        corrected: bool = True,
    ) -> LagStats:
        """Summarize the loop's lateness over a span, by default the last ``window``.

        The UI shows the corrected figures: with ``corrected`` the percentiles
        include the ticks that long lags swallowed (see ``corrected_lags``).
        ``max`` and ``blocked`` take the larger of the busy-period and tick-lag
        readings: busy periods are exact for blocks, but only tick lag sees the
        loop thread waiting for the GIL after select() returns.

        Args:
            since: Start of the span (perf_counter seconds), e.g. when a request
                was sent.
            until: End of the span (perf_counter seconds); by default now.
            corrected: Correct the percentiles for missed ticks.
        """
        since, until = self._span(since, until)
        # Whole lists at C speed: the screen asks for 30 s (6,000 ticks) twice
        # a second, and a Python loop over them was the idle app's largest
        # single callback. Only lags longer than a tick can have swallowed
        # ticks, so only those go through the correction.
        lags = list(map(_lag, self.samples(since, until)))
        if corrected:
            interval = self.interval
            values = list(filter(partial(ge, interval), lags))
            values += corrected_lags(filter(partial(lt, interval), lags), interval)
            values.sort()
        else:
            values = sorted(lags)
        busy = [_overlap(p, since, until) for p in self.busy_periods(since, until)]
        late = list(filter(partial(le, self.busy_floor), lags))
        return LagStats(
            count=len(values),
            p50=percentile(values, 50),
            p95=percentile(values, 95),
            p99=percentile(values, 99),
            max=max([*values[-1:], *busy], default=0.0),
            blocked=max(sum(busy), sum(late)),
            utilization=self._utilization(since, until),
            span=until - since,
        )

    def max_block(
        self, since: float | None = None, until: float | None = None
    ) -> float:
        """Return the longest time the loop could not react within a span.

        In selector mode this is the longest busy period (exact); in tick mode
        the largest tick lag. Either way a block still going on at ``until``
        counts up to ``until``.

        Args:
            since: Start of the span (perf_counter seconds).
            until: End of the span (perf_counter seconds); by default now.
        """
        since, until = self._span(since, until)
        periods = self.busy_periods(since, until)
        longest = max((_overlap(p, since, until) for p in periods), default=0.0)
        if self.mode == "tick":
            longest = max([longest, *(s.lag for s in self.samples(since, until))])
        return longest

    def _span(self, since: float | None, until: float | None) -> tuple[float, float]:
        until = perf_counter() if until is None else until
        return (until - self.window if since is None else since), until

    def _unresponsive_since(self) -> float | None:
        """When the loop last stopped reacting; None while it waits in select().

        In tick mode this is when the pending tick is due, which may still lie
        in the future: callers compare it with their own "now".
        """
        return self._busy_since if self.mode == "selector" else self._tick_due

    def _record(self, t: float, lag: float) -> Sample:
        """Store a tick (without telling subscribers); tests feed samples here."""
        sample = Sample(t, lag)
        if self.mode == "tick":
            # Without a selector to time, lateness is the best reading of
            # busyness. t - lag gives back exactly the due time, which is what
            # the watchdog matches its stall against.
            self._busy_total += max(lag, 0.0)
            if lag >= self.busy_floor:
                self._keep_busy(BusyPeriod(t - lag, lag))
        samples, horizon = self._samples, t - self.window
        while samples and samples[0].t < horizon:
            samples.popleft()
            self._totals.popleft()
        samples.append(sample)
        self._totals.append(self._busy_total)
        return sample

    def _keep_late(self, period: BusyPeriod) -> None:
        late, horizon = self._late, period.start - self.window
        while late and late[0].end < horizon:
            late.popleft()
        late.append(period)

    def _keep_busy(self, period: BusyPeriod) -> None:
        busy, horizon = self._busy, period.start - self.window
        while busy and busy[0].end < horizon:
            busy.popleft()
        busy.append(period)

    def _utilization(self, since: float, until: float) -> float:
        if not self._samples:
            return 0.0
        start = max(since, self._samples[0].t)
        if until <= start:
            return 0.0
        busy = self._busy_time(until) - self._busy_time(start)
        return min(1.0, max(0.0, busy / (until - start)))

    def _busy_time(self, at: float) -> float:
        """The running busy total as of the last tick at or before ``at``.

        With no tick after ``at`` the live total is the better reading, plus
        the busy period going on right now, if any.
        """
        index = bisect_right(self._samples, at, key=_time)
        if index < len(self._samples):
            return self._totals[index - 1]
        current = self._unresponsive_since()
        ongoing = at - current if current is not None and current < at else 0.0
        return self._busy_total + ongoing
