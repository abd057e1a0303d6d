"""Verdicts judge the demo by cause, each with a minimum duration.

Synthetic causes on both sides of every threshold: the screen's drawing,
loopbeat's work and a busy machine must never change what is said of the demo.
"""

import re

import pytest

from tests.factories import make_causes, make_result
from tui.engine.verdicts import (
    BLOCKED,
    FROZE,
    HOLD_MIN,
    KEPT_BEATING,
    RAISED,
    STARVE_MIN,
    STARVED,
    judge,
)
from tui.instrument.causes import RunCauses


@pytest.mark.parametrize(
    ("causes", "kind", "text"),
    [
        (
            make_causes(wall=0.65, working=0.62),
            FROZE,
            "froze the loop for 620 ms in all",
        ),
        (
            make_causes(wall=0.1, blocked=0.1),
            BLOCKED,
            "blocked the loop 100 ms in all: system call",
        ),
        (
            make_causes(wall=0.7, working=0.04, starved=0.2),
            STARVED,
            "starved: waited 200 ms for the GIL",
        ),
        (
            make_causes(wall=0.1, working=0.011, longest_demo=0.0096),
            KEPT_BEATING,
            "kept beating: its code held it ≤ 9.6 ms",
        ),
        (
            make_causes(wall=0.1),
            KEPT_BEATING,
            "kept beating: its code held it < 2.0 ms",
        ),
        (
            # aiosqlite under load: GIL waits worth saying, not a starvation.
            make_causes(wall=0.2, working=0.013, starved=0.04, longest_demo=0.012),
            KEPT_BEATING,
            "kept beating: its code held it ≤ 12.0 ms, GIL waits 40.0 ms",
        ),
    ],
)
def test_each_cause_gets_its_word(causes: RunCauses, kind: str, text: str) -> None:
    verdict = judge(causes, None)
    assert (verdict.kind, verdict.sentence()) == (kind, text)


def test_a_short_run_never_froze_however_large_its_share() -> None:
    # A 5 ms run that spends all of it on the loop is still only 5 ms.
    causes = make_causes(wall=0.005, working=0.005)
    assert judge(causes, None).kind == KEPT_BEATING
    assert judge(make_causes(wall=0.08, working=HOLD_MIN), None).kind == FROZE
    assert judge(make_causes(wall=0.08, working=HOLD_MIN * 0.99), None).kind != FROZE


def test_the_async_orms_own_loop_work_is_not_a_freeze() -> None:
    # Iterating and freeing 100k instances on the loop: 60 ms of a 700 ms run.
    causes = make_causes(wall=0.7, working=0.06, starved=0.15)
    assert judge(causes, None).kind == STARVED


def test_starvation_needs_its_minimum() -> None:
    assert judge(make_causes(starved=STARVE_MIN), None).kind == STARVED
    assert judge(make_causes(starved=STARVE_MIN * 0.99), None).kind == KEPT_BEATING


def test_a_freeze_stretched_by_a_busy_machine_is_still_a_freeze() -> None:
    # 200 ms of Python on the loop took 400 ms: another process had the core
    # half the time. Half the run is not the demo's doing; still it froze.
    causes = make_causes(wall=0.4, working=0.19, queued=0.2)
    verdict = judge(causes, None)
    assert verdict.kind == FROZE
    assert verdict.machine_busy == pytest.approx(0.2)


def test_a_busy_machine_is_said_beside_the_verdict_and_never_changes_it() -> None:
    quiet = judge(make_causes(wall=0.1), None)
    busy = judge(make_causes(wall=0.1, queued=0.08), None)
    assert busy.kind == quiet.kind == KEPT_BEATING
    assert busy.sentence().endswith("; machine busy 80.0 ms")
    assert busy.text == quiet.text


def test_the_screens_and_loopbeats_work_are_not_the_demos() -> None:
    causes = RunCauses(
        wall=0.1,
        busy={"demo": 0.001, "screen": 0.09, "loopbeat": 0.005, "other": 0.0},
        cpu={"demo": 0.001, "screen": 0.09, "loopbeat": 0.005, "other": 0.0},
        longest_demo=0.0,
        late=0.0,
        longest_late=0.0,
        loop_queued=0.0,
        threads_cpu={"demo": 0.0, "screen": 0.02, "loopbeat": 0.001},
    )
    assert judge(causes, None).kind == KEPT_BEATING


def test_starvation_by_textuals_threads_is_not_charged_to_the_demo() -> None:
    causes = RunCauses(
        wall=0.3,
        busy={"demo": 0.0, "screen": 0.0, "loopbeat": 0.0, "other": 0.0},
        cpu={"demo": 0.0, "screen": 0.0, "loopbeat": 0.0, "other": 0.0},
        longest_demo=0.0,
        late=0.2,
        longest_late=0.02,
        loop_queued=0.0,
        threads_cpu={"demo": 0.01, "screen": 0.19, "loopbeat": 0.0},
    )
    assert causes.split.starved == pytest.approx(0.01)
    assert judge(causes, None).kind == KEPT_BEATING


@pytest.mark.parametrize(
    ("error", "text"),
    [
        ("SynchronousOnlyOperation: no", "raised SynchronousOnlyOperation"),
        ("HTTP 404", "failed: HTTP 404"),
    ],
)
def test_an_error_is_the_verdict(error: str, text: str) -> None:
    result = make_result(error=error, causes=make_causes(wall=0.01, working=0.01))
    assert result.verdict == text
    assert result.judgement.failed and not result.froze_loop
    assert judge(None, "SynchronousOnlyOperation: x").kind == RAISED


def test_a_callback_that_loses_the_gil_half_way_is_starved_not_blocked() -> None:
    # The probe's callback waited 150 ms for the GIL the demo's worker held.
    causes = RunCauses(
        wall=0.7,
        busy={"demo": 0.04, "screen": 0.0, "loopbeat": 0.16, "other": 0.0},
        cpu={"demo": 0.04, "screen": 0.0, "loopbeat": 0.01, "other": 0.0},
        longest_demo=0.04,
        late=0.1,
        longest_late=0.03,
        loop_queued=0.0,
        threads_cpu={"demo": 0.6, "screen": 0.0, "loopbeat": 0.001},
    )
    split = causes.split
    assert split.starved == pytest.approx(0.25, rel=0.01)
    assert split.blocked == 0.0
    assert judge(causes, None).kind == STARVED


def test_a_sleep_on_the_loop_is_blocked_even_with_a_little_else_running() -> None:
    causes = RunCauses(
        wall=0.102,
        busy={"demo": 0.101, "screen": 0.0, "loopbeat": 0.001, "other": 0.0},
        cpu={"demo": 0.0015, "screen": 0.0, "loopbeat": 0.001, "other": 0.0},
        longest_demo=0.1,
        late=0.0,
        longest_late=0.0,
        loop_queued=0.0005,
        threads_cpu={"demo": 0.002, "screen": 0.0, "loopbeat": 0.0},
    )
    assert causes.split.starved <= 0.002
    assert judge(causes, None).kind == BLOCKED


def test_a_hold_is_stated_as_its_longest_stall_reads() -> None:
    # One stall, one number: the stall line says "blocked 101 ms", so does
    # the verdict, though the CPU clocks split a few ms of it elsewhere.
    causes = make_causes(wall=0.103, blocked=0.097)
    verdict = judge(causes, None, longest_hold=0.1012)
    assert verdict.sentence() == "blocked the loop 101 ms: system call"


def test_a_run_held_up_by_another_says_so_and_keeps_its_own_verdict() -> None:
    causes = make_causes(wall=1.2, working=0.004, longest_demo=0.003)
    verdict = judge(causes, None, held_up_by=("#41 sync-unguarded (froze 1.08 s)",))
    assert verdict.kind == KEPT_BEATING
    assert verdict.sentence() == (
        "kept beating: its code held it ≤ 3.0 ms; "
        "held up by #41 sync-unguarded (froze 1.08 s)"
    )


def test_loop_shares_never_pass_the_whole() -> None:
    # Django tidies up after the response's last byte, inside the span the
    # callbacks were summed over but past the run's wall: 101 % read as a
    # loop busier than time allows.
    causes = make_causes(wall=0.7, working=0.707)
    text = causes.loop_work()
    shares = [int(n) for n in re.findall(r"(\d+)%", text)]
    assert shares and max(shares) <= 100, text


def test_a_queue_for_a_cpu_is_the_machines_only_as_far_as_others_ran() -> None:
    # A burst of five CPU-bound threads on two cores keeps the loop queued for
    # a CPU on a quiet laptop: its own threads filled the cores, so that wait
    # is the demo's (starvation), never "machine busy". With another process
    # using the CPUs as long, the same queue is the machine's, as before.
    from dataclasses import replace

    causes = replace(make_causes(starved=0.6, queued=0.3), threads_cpu={"demo": 2.0})
    quiet = replace(causes, others_cpu=0.02)
    busy = replace(causes, others_cpu=1.0)
    assert quiet.split.queued == pytest.approx(0.02)
    assert quiet.split.starved == pytest.approx(causes.split.starved + 0.28)
    assert busy.split == causes.split  # unknown and busy read alike
    assert (judge(quiet, None).machine_busy or 0.0) < 0.05
    assert judge(busy, None).machine_busy == pytest.approx(0.3)
