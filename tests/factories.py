"""Builders for test data."""

from tui.client import PatternResult


def make_result(**changes) -> PatternResult:
    """A plausible run result, with ``changes`` applied."""
    base = dict(
        pattern="p",
        title="P",
        burst=1,
        status=200,
        rows=1,
        queries=1,
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
        latency_ms=0.0,
    )
    return PatternResult(**{**base, **changes})
