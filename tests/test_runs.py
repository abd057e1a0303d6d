"""One run request: a validated RunSpec, one label, and the bench's limits."""

from pathlib import Path

import pytest

from tui.engine.bench import MAX_REQUESTS_IN_FLIGHT, MAX_RUNS_IN_FLIGHT, Bench
from tui.engine.reservation import RunRefused
from tui.engine.runs import (
    LATENCY_STEPS_MS,
    MAX_BURST,
    MAX_LATENCY_MS,
    RunSpec,
    SpecError,
    step_latency,
)
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS, find

# --- RunSpec --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "label", "url"),
    [
        (RunSpec.of(find("async-for")), "async-for", "/async/iterate"),
        (RunSpec.of(find("async-for"), 5), "async-for:5", "/async/iterate"),
        (
            RunSpec.of(find("gather-orm"), query="n=1"),
            "gather-orm?n=1",
            "/gather/orm?n=1",
        ),
        (
            RunSpec.of(find("gather-native"), 3, query="n=2"),
            "gather-native?n=2:3",
            "/gather/native?n=2",
        ),
    ],
)
def test_a_label_names_the_run_and_reads_back(spec: RunSpec, label: str, url: str):
    assert spec.label == label
    assert spec.url == url
    assert RunSpec.parse(label, catalog=find) == spec


def test_every_pattern_round_trips_through_its_label() -> None:
    for pattern in PATTERNS:
        for burst in (1, MAX_BURST):
            spec = RunSpec.of(pattern, burst)
            assert RunSpec.parse(spec.label, catalog=find) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("async-fro", "unknown pattern 'async-fro'; known patterns: sleep-block"),
        ("async-for:0", f"burst must be 1 to {MAX_BURST}, not 0"),
        (f"async-for:{MAX_BURST + 1}", f"not {MAX_BURST + 1}"),
        ("async-for:x", "'x' is not a burst size"),
        ("gather-orm?n=1;drop", "is not a query string"),
        ("gather-orm?[/]", "is not a query string"),
    ],
)
def test_a_bad_label_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(SpecError, match=message.replace("?", r"\?")):
        RunSpec.parse(text, catalog=find)


@pytest.mark.parametrize("latency", [-1, MAX_LATENCY_MS + 1, float("nan"), True, "5"])
def test_a_bad_latency_is_refused(latency) -> None:
    with pytest.raises(SpecError, match="latency must be 0 to 5000 ms"):
        RunSpec.of(find("async-for"), latency_ms=latency)


def test_latency_is_filled_in_only_where_it_is_missing() -> None:
    own = RunSpec.of(find("gather-orm"), latency_ms=50)
    assert own.at_latency(5) is own
    assert RunSpec.of(find("gather-orm")).at_latency(5).latency_ms == 5.0


def test_latency_steps_up_and_down_and_stops_at_the_ends() -> None:
    assert step_latency(0, 1) == LATENCY_STEPS_MS[1]
    assert step_latency(LATENCY_STEPS_MS[-1], 1) == LATENCY_STEPS_MS[-1]
    assert step_latency(0, -1) == 0
    assert step_latency(7, -1) == 5  # from a value set on the command line
    assert step_latency(7, 1) == 20


# --- the bench's limits ------------------------------------------------------------


class StartedBench(Bench):
    """A bench that accepts runs without starting Django or the instruments."""

    @property
    def ready(self) -> bool:
        return True


def bench(latency_ms: float = 0.0) -> Bench:
    return StartedBench(demo_target(Path("unused.sqlite3")), latency_ms=latency_ms)


def test_a_bench_that_has_not_started_refuses_runs() -> None:
    with pytest.raises(RunRefused, match="still starting up"):
        Bench(demo_target(Path("unused.sqlite3"))).reserve(
            [RunSpec.of(find("async-for"))]
        )


def test_room_is_taken_when_runs_are_accepted_and_given_back_once() -> None:
    session = bench()
    spec = RunSpec.of(find("async-for"))
    taken = [session.reserve([spec]) for _ in range(MAX_RUNS_IN_FLIGHT)]
    assert session.runs_in_flight == MAX_RUNS_IN_FLIGHT
    with pytest.raises(RunRefused, match="runs already in flight"):
        session.reserve([spec])
    taken[0].release()
    taken[0].release()  # a second release gives nothing back twice
    assert session.runs_in_flight == MAX_RUNS_IN_FLIGHT - 1
    session.reserve([spec])


def test_bursts_count_per_request() -> None:
    session = bench()
    session.reserve([RunSpec.of(find("async-for"), MAX_BURST)])
    assert session.requests_in_flight == MAX_REQUESTS_IN_FLIGHT
    with pytest.raises(RunRefused, match="requests already in flight"):
        session.reserve([RunSpec.of(find("async-for"), 1)])


def test_a_reservation_fills_in_the_sessions_latency() -> None:
    session = bench(latency_ms=20)
    mine, own = session.reserve(
        [RunSpec.of(find("gather-orm")), RunSpec.of(find("gather-orm"), latency_ms=50)]
    ).specs
    assert (mine.latency_ms, own.latency_ms) == (20, 50)
    session.latency_ms = 100
    assert mine.latency_ms == 20  # what was accepted does not change under it


def test_the_sessions_latency_is_checked() -> None:
    with pytest.raises(SpecError):
        bench().latency_ms = -3
