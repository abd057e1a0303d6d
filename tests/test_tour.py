"""The guided tour: its script loads, its banners speak numbers, its model moves."""

import re
from pathlib import Path

import pytest

from tests.factories import make_causes, make_result
from tui.engine.runs import RunSpec
from tui.lessons.patterns import POSTGRESQL, find
from tui.lessons.tour import (
    BANNER_FIELDS,
    DEFAULT_TOUR,
    Tour,
    TourAction,
    TourError,
    TourStep,
    banner_fields,
    load_tour,
)

GOOD_STEP = 'caption = "Watch."\npattern = "async-for"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tour.toml"
    path.write_text(text)
    return path


def steps(*names: str) -> tuple[TourStep, ...]:
    return tuple(TourStep(caption=name, spec=RunSpec.of(find(name))) for name in names)


# --- the packaged script ---------------------------------------------------------


def test_packaged_tour_loads_with_six_to_eight_steps() -> None:
    tour = load_tour()
    assert DEFAULT_TOUR.name == "tour.toml" and DEFAULT_TOUR.exists()
    assert 6 <= len(tour) <= 8
    assert all(step.spec.pattern is find(step.spec.pattern.name) for step in tour)


def test_on_postgresql_the_tour_shows_one_fetch_three_ways_and_both_gathers() -> None:
    # Its own steps, with the PostgreSQL catalog's patterns (psycopg's views).
    tour = load_tour(backend=POSTGRESQL)
    names = [step.spec.pattern.name for step in tour]
    assert all(s.spec.pattern is find(s.spec.pattern.name, POSTGRESQL) for s in tour)
    fetch = names.index("async-for")
    assert names[fetch : fetch + 3] == ["async-for", "native-driver", "native-chunked"]
    assert names[-2:] == ["gather-native", "gather-shared"]
    assert len(tour) <= 11
    sqlite_only = {s.spec.pattern.module for s in load_tour()} - {"views"}
    assert sqlite_only == {"native_sqlite"}


def test_a_step_for_an_unknown_backend_is_an_error(tmp_path: Path) -> None:
    text = f'[[step]]\n{GOOD_STEP}\nbackend = "oracle"\n'
    with pytest.raises(TourError, match="step 1: backend 'oracle' is unknown"):
        load_tour(write(tmp_path, text))


def test_a_tour_with_no_step_for_the_backend_is_an_error(tmp_path: Path) -> None:
    text = f'[[step]]\n{GOOD_STEP}\nbackend = "postgresql"\n'
    assert load_tour(write(tmp_path, text), backend=POSTGRESQL)
    with pytest.raises(TourError, match="no steps for sqlite"):
        load_tour(write(tmp_path, text))


def test_packaged_tour_follows_the_talk() -> None:
    names = [step.spec.pattern.name for step in load_tour()]
    assert names[0] == "sleep-block"
    assert names.index("sync-guarded") < names.index("sync-unguarded")
    assert names.index("sync-unguarded") < names.index("async-for")
    assert any(step.spec.burst > 1 for step in load_tour())
    assert names[-1] in {"native-driver", "gather-native"}


def test_packaged_captions_give_no_numbers() -> None:
    # Numbers only come from the measurement, through the banner.
    for number, step in enumerate(load_tour(), start=1):
        assert step.caption.strip(), number
        # A module name such as sqlite3 is not a figure.
        assert not re.search(r"(?<!\w)\d", step.caption), f"step {number}"


def test_packaged_banners_format_with_a_real_looking_result() -> None:
    result = make_result(
        rows=60_000,
        queries=5,
        wall=0.2534,
        loop_blocked=0.0012,
        loop_max_lag=0.0123,
        query_threads=("ThreadPoolExecutor-7_0",),
        latency_ms=50.0,
    )
    for step in load_tour():
        banner = step.banner_for(result)
        assert "{" not in banner and banner
        if step.banner and "error" not in step.banner:
            assert banner != result.verdict or step.banner == "{verdict}"


def test_a_guarded_banner_shows_the_measured_error() -> None:
    (guarded,) = [s for s in load_tour() if s.spec.pattern.name == "sync-guarded"]
    error = "SynchronousOnlyOperation: You cannot call this from an async context"
    assert error in guarded.banner_for(make_result(error=error))


# --- banners ---------------------------------------------------------------------


def test_banner_fields_are_formatted_for_people() -> None:
    fields = banner_fields(
        make_result(
            wall=1.5,
            loop_blocked=0.85,
            rows=42,
            latency_ms=50.0,
            request_walls=(0.3, 0.9),
            query_threads=("A", "B"),
        )
    )
    assert set(fields) == BANNER_FIELDS
    assert fields["wall"] == "1.50 s"
    assert fields["loop_blocked"] == "850 ms"
    assert fields["slowest"] == "900 ms"
    assert fields["rows"] == 42
    assert fields["latency_ms"] == 50
    assert fields["blocked_share"] == "57%"
    assert fields["threads"] == "2 workers"
    assert fields["query_threads"] == "A, B"


def test_banner_template_uses_measured_fields() -> None:
    step = TourStep(
        "c", find("sync-unguarded"), banner="The loop froze for {loop_blocked}"
    )
    assert step.banner_for(make_result(loop_blocked=0.4)) == "The loop froze for 400 ms"


def test_without_a_banner_the_verdict_is_shown() -> None:
    step = TourStep("c", find("sleep-block"))
    result = make_result(wall=0.1, causes=make_causes(wall=0.1, blocked=0.1))
    assert step.banner_for(result) == result.verdict
    assert result.verdict == "blocked the loop 100 ms in all: system call"


def test_a_banner_never_claims_an_outcome_that_did_not_happen() -> None:
    success = TourStep("c", find("async-for"), banner="{rows} rows")
    failure = TourStep("c", find("sync-guarded"), banner="Refused: {error}")
    failed = make_result(error="SynchronousOnlyOperation: no")
    assert success.banner_for(failed) == "raised SynchronousOnlyOperation"
    assert failure.banner_for(make_result()) == make_result().verdict
    assert failure.banner_for(failed) == "Refused: SynchronousOnlyOperation: no"


# --- load errors -----------------------------------------------------------------


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(TourError, match="cannot read") as info:
        load_tour(tmp_path / "nope.toml")
    assert "nope.toml" in str(info.value)


def test_bad_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[[step]]\ncaption = \n")
    with pytest.raises(TourError, match=r"tour\.toml: not valid TOML"):
        load_tour(path)


def test_no_steps_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TourError, match="no steps"):
        load_tour(write(tmp_path, "# nothing yet\n"))


def test_a_misspelled_table_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TourError, match=r"unknown key 'steps'"):
        load_tour(write(tmp_path, f"[[steps]]\n{GOOD_STEP}"))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('pattern = "warp-drive"', "unknown pattern 'warp-drive'; known patterns: "),
        ("burst = 0", "burst must be 1 to 20, not 0"),
        ("burst = 21", "burst must be 1 to 20, not 21"),
        ('burst = "5"', "burst must be 1 to 20, not '5'"),
        ("burst = true", "burst must be 1 to 20, not True"),
        ("latency_ms = -1", "latency must be 0 to 5000 ms, not -1"),
        ("latency_ms = 5000.5", "latency must be 0 to 5000 ms, not 5000.5"),
        ('latency_ms = "50"', "latency must be 0 to 5000 ms, not '50'"),
        ('banner = "{rows:>999999999}"', "wider than 200 characters"),
        # Filled in only when formatted: nine of them made 333 million columns.
        ('banner = "{rows:{queries}{queries}}"', "has a field inside its format"),
        ('banner = "{wall:>{burst}}"', "has a field inside its format"),
        ('banner = "Froze for {blocked}"', "banner field {blocked} is unknown"),
        ('banner = "{rows.real}"', "banner field {rows.real} is unknown"),
        ('banner = "{}"', "banner field {} is unknown"),
        ('banner = "lag {loop_max_lag"', "banner 'lag {loop_max_lag'"),
        ('banner = "{rows:zz}"', "banner '{rows:zz}'"),
        ("banner = 3", "banner must be a string"),
        ('caption = "  "', "caption is missing or empty"),
        ("latency = 50", "unknown key 'latency'"),
    ],
)
def test_a_bad_step_names_its_number_and_field(
    tmp_path: Path, line: str, message: str
) -> None:
    key = line.split(" =")[0]
    bad = "\n".join(
        [*(s for s in GOOD_STEP.splitlines() if not s.startswith(key)), line]
    )
    path = write(tmp_path, f"[[step]]\n{GOOD_STEP}\n[[step]]\n{bad}\n")
    with pytest.raises(TourError) as info:
        load_tour(path)
    text = str(info.value)
    assert text.startswith(f"{path}: step 2: ")
    assert message in text
    assert "\n" not in text


def test_a_missing_pattern_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TourError, match="step 1: unknown pattern None"):
        load_tour(write(tmp_path, '[[step]]\ncaption = "c"\n'))


def test_a_good_script_loads_with_defaults(tmp_path: Path) -> None:
    text = (
        f"[[step]]\n{GOOD_STEP}\n"
        '[[step]]\ncaption = """\nTwo\n  lines."""\npattern = "gather-orm"\n'
        'burst = 5\nlatency_ms = 50\nbanner = "{queries} in {wall}"\n'
    )
    first, second = load_tour(write(tmp_path, text))
    assert (first.spec.burst, first.spec.latency_ms, first.banner) == (1, None, None)
    assert second.caption == "Two lines."
    assert second.spec.pattern is find("gather-orm")
    assert (second.spec.burst, second.spec.latency_ms) == (5, 50.0)
    assert isinstance(second.spec.latency_ms, float)
    assert second.banner == "{queries} in {wall}"


# --- running a step --------------------------------------------------------------


def test_a_step_without_latency_takes_the_presenters_at_run_time() -> None:
    first, second = load_tour()[:2]
    assert first.spec.latency_ms == 0
    assert second.spec.latency_ms is None  # the bench fills in its own
    assert second.spec.at_latency(20).latency_ms == 20
    assert first.spec.at_latency(20).latency_ms == 0


# --- navigation ------------------------------------------------------------------


def test_next_and_back_stop_at_the_ends() -> None:
    tour = Tour(steps("sleep-block", "sleep-await", "async-for"))
    assert (tour.index, tour.number, tour.at_start, tour.at_end) == (0, 1, True, False)
    assert tour.back() is False and tour.index == 0
    assert tour.next() and tour.next()
    assert tour.at_end and tour.step.spec.pattern.name == "async-for"
    assert tour.next() is False and tour.index == 2
    assert tour.back() and tour.step.spec.pattern.name == "sleep-await"


def test_an_empty_tour_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one step"):
        Tour(())


def test_results_are_kept_per_step() -> None:
    tour = Tour(steps("sleep-block", "sleep-await"))
    assert tour.result is None and tour.banner() is None
    first = make_result(wall=0.1, causes=make_causes(wall=0.1, working=0.1))
    tour.record(first)
    assert tour.result is first
    assert tour.banner() == "froze the loop for 100 ms in all"
    tour.next()
    assert tour.result is None and tour.banner() is None
    tour.back()
    assert tour.result is first and tour.result_of(1) is None


def test_space_runs_each_step_then_moves_on() -> None:
    tour = Tour(steps("sleep-block", "sleep-await"))
    assert tour.advance() is TourAction.RUN and tour.running
    assert tour.advance() is TourAction.WAIT
    assert tour.back() is False and tour.next() is False  # no moving mid-run
    tour.record(make_result())
    assert not tour.running
    assert tour.advance() is TourAction.NEXT and tour.index == 1
    assert tour.advance() is TourAction.RUN
    tour.record(make_result())
    assert tour.advance() is TourAction.DONE and tour.index == 1


def test_a_failed_run_can_be_retried() -> None:
    tour = Tour(steps("sleep-block"))
    assert tour.advance() is TourAction.RUN
    with pytest.raises(RuntimeError, match="already running"):
        tour.start_run()
    tour.abandon_run()
    assert not tour.running and tour.result is None
    assert tour.advance() is TourAction.RUN


def test_a_step_can_be_run_again() -> None:
    tour = Tour(steps("sleep-block"))
    tour.record(make_result(wall=1.0))
    assert tour.start_run() is tour.step
    again = make_result(wall=2.0)
    tour.record(again)
    assert tour.result is again


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_tour_file_must_be_a_regular_file(tmp_path: Path, special: str) -> None:
    import os

    path = Path(special)
    if special == "fifo":
        path = tmp_path / "tour.toml"
        os.mkfifo(path)  # opening it to read would block for ever
    with pytest.raises(TourError, match="not a regular file"):
        load_tour(path)


def test_a_huge_tour_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "# " + "x" * 1_000_100 + "\n" + f"[[step]]\n{GOOD_STEP}")
    with pytest.raises(TourError, match="larger than 1,000,000 bytes"):
        load_tour(path)


def test_a_tour_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "tour.toml"
    path.write_bytes(f"[[step]]\n{GOOD_STEP}".encode("utf-8-sig"))
    (step,) = load_tour(path)
    assert step.caption == "Watch."


@pytest.mark.parametrize(
    "nested",
    ["x = " + "[" * 5000 + "]" * 5000, "x = " + "{a = " * 3000 + "1" + "}" * 3000],
    ids=["arrays", "inline tables"],
)
def test_deeply_nested_toml_is_a_sentence_not_a_recursion_error(
    tmp_path: Path, nested: str
) -> None:
    path = write(tmp_path, f"{nested}\n[[step]]\n{GOOD_STEP}")
    with pytest.raises(TourError, match="nested too deeply") as info:
        load_tour(path)
    assert str(info.value).startswith(f"{path}: ")
