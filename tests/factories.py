"""Builders for test data."""

from tui.engine.probe import PingSample
from tui.engine.record import RequestRecord, Statement
from tui.engine.results import RequestSpan, RunResult
from tui.engine.runs import RunSpec
from tui.engine.session import Session
from tui.instrument.causes import RunCauses
from tui.instrument.loopstats import BusyPeriod, Sample, Stall
from tui.lessons.patterns import find


def make_causes(
    wall: float = 1.0,
    working: float = 0.0,
    blocked: float = 0.0,
    starved: float = 0.0,
    queued: float = 0.0,
    longest_demo: float = 0.0,
) -> RunCauses:
    """Causes whose demo split comes out as given (seconds)."""
    return RunCauses(
        wall=wall,
        busy={"demo": working + blocked, "screen": 0.0, "loopbeat": 0.0, "other": 0.0},
        cpu={"demo": working, "screen": 0.0, "loopbeat": 0.0, "other": 0.0},
        longest_demo=longest_demo,
        late=starved + queued,
        longest_late=starved,
        loop_queued=queued,
        # The demo's threads ran exactly as long as the loop waited for them.
        threads_cpu={"demo": starved, "screen": 0.0, "loopbeat": 0.0},
    )


def make_span(
    started: float,
    wall: float,
    status: int,
    query_threads: tuple[str, ...],
    view_thread: str | None,
) -> RequestSpan:
    """A request whose statements ran on ``query_threads``, one each."""
    record = RequestRecord(
        statements=tuple(Statement(thread, 0.001, 0.0) for thread in query_threads),
        view_thread=view_thread,
    )
    return RequestSpan(started, wall, status, record)


def make_result(
    pattern: str = "async-for",
    burst: int = 1,
    latency_ms: float = 0.0,
    query: str | None = None,
    **changes,
) -> RunResult:
    """A plausible run result for ``pattern``, with ``changes`` applied."""
    base = dict(
        number=1,
        spec=RunSpec.of(find(pattern), burst, latency_ms, query),
        status=200,
        rows=1,
        queries=1,
        hops=1,
        query_threads=("w",),
        view_threads=("MainThread",),
        started=0.0,
        wall=1.0,
        request_walls=(1.0,),
        loop_max_lag=0.004,
        loop_p99_lag=0.002,
        loop_blocked=0.0,
        ping_p99=None,
        ping_max=None,
        stalls=(),
        causes=make_causes(),
    )
    merged = {**base, **changes}
    if "requests" not in changes:
        # One span per request of the burst, all alike, unless given.
        view = merged["view_threads"]
        span = make_span(
            merged["started"],
            merged["wall"],
            merged["status"],
            merged["query_threads"],
            view[0] if view else None,
        )
        merged["requests"] = (span,) * merged["spec"].burst
    return RunResult(**merged)


T0 = 1000.0  # an arbitrary perf_counter origin: everything is relative to it
WORKER = "ThreadPoolExecutor-3_0"
STACK = ("asgi.py:10 in handle", "demoapp/views.py:42 in books_sync")


def make_session(**changes) -> Session:
    """A session with a run on a worker, one on the loop, a stall and pings."""
    stall = Stall(T0 + 2.0, 0.3, "demoapp/views.py:42 in books_sync", "x", STACK)
    base = dict(
        results=(
            make_result(
                pattern="async-for",
                started=T0 + 1.5,
                wall=0.25,
                query_threads=(WORKER,),
            ),
            make_result(
                pattern="sync-guarded",
                number=2,
                burst=3,
                started=T0 + 1.9,
                wall=0.5,
                query_threads=(),
                loop_blocked=0.45,
                error='OperationalError: no "books", sorry',
            ),
            make_result(
                pattern="sync-unguarded",
                number=3,
                started=T0 + 3.0,
                query_threads=("MainThread",),
            ),
        ),
        samples=(Sample(T0, 0.001), Sample(T0 + 2.3, 0.3)),
        busy_periods=(
            BusyPeriod(T0 + 0.5, 0.01),  # below the threshold: not a long task
            BusyPeriod(T0 + 1.0, 0.12),  # a long task without a stall
            BusyPeriod(T0 + 2.0, 0.3),  # the stall's own period
        ),
        pings=(PingSample(T0 + 0.2, 0.002), PingSample(T0 + 2.05, 0.26)),
        stalls=(stall,),
        meta={"latency_ms": 2.0, "stall_threshold_s": 0.05},
    )
    return Session(**{**base, **changes})
