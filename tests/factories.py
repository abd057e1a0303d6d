"""Builders for test data."""

from tui.causes import RunCauses
from tui.client import RunResult
from tui.patterns import find
from tui.runs import RunSpec


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
        spec=RunSpec(find(pattern), burst, latency_ms, query),
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
    return RunResult(**{**base, **changes})
