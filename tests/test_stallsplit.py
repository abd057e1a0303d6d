"""A stall's split between the causes, and how its line reads, from given clocks.

The watchdog's readings on a loaded machine are fed in directly, so each
case is exact: what a laptop during a talk does to the GIL's holder must
read as the machine's doing, never as a system call of the demo.
"""

import pytest

from tui.instrument.formatting import describe_stall
from tui.instrument.loopstats import (
    BLOCKED,
    MACHINE_BUSY,
    STARVED,
    WORKING,
    CauseSplit,
    Stall,
)
from tui.instrument.stallsplit import names_a_culprit, split_caught, split_unseen


def caught(**clocks: float | bool) -> CauseSplit:
    readings: dict = {"working": 0.0, "others": 0.0, "queued": 0.0}
    readings |= {"holder_queued": 0.0, "late": False} | clocks
    return split_caught(0.2, **readings)


def test_a_quiet_machine_the_holder_ran_throughout_is_starved() -> None:
    split = caught(working=0.01, others=0.19)
    assert split == CauseSplit(working=0.01, starved=0.19)
    assert split.main == STARVED


def test_nobody_ran_and_nobody_queued_is_a_system_call() -> None:
    split = caught(working=0.002)
    assert split.main == BLOCKED
    assert split.blocked == pytest.approx(0.198)


def test_a_gil_holder_queued_for_a_cpu_is_the_machines_not_blocked() -> None:
    # Under load the spinner held the GIL 0.06 s on a CPU and 0.12 s queued:
    # the loop waited throughout, in no call of its own.
    split = caught(working=0.002, others=0.06, holder_queued=0.12)
    assert split.starved == pytest.approx(0.06)
    assert split.queued == pytest.approx(0.12)
    assert split.blocked == pytest.approx(0.018)
    assert split.main == MACHINE_BUSY


def test_the_holders_queueing_never_takes_more_than_was_left() -> None:
    split = caught(working=0.05, others=0.05, queued=0.05, holder_queued=5.0)
    assert split.blocked == 0.0
    assert sum((split.working, split.starved, split.blocked, split.queued)) == (
        pytest.approx(0.2)
    )


def test_late_to_wake_there_is_no_call_to_block_in() -> None:
    split = caught(working=0.001, others=0.05, late=True)
    assert split.blocked == 0.0
    assert split.queued == pytest.approx(0.149)


def test_clocks_that_overshoot_are_clipped_to_the_stall() -> None:
    split = caught(working=0.5, others=-0.1, queued=-1.0)
    assert split == CauseSplit(working=0.2)
    assert split.main == WORKING


def test_unseen_stall_the_rest_is_queued() -> None:
    split = split_unseen(0.15, working=0.001, others=0.04)
    assert split.blocked == 0.0
    assert split.starved == pytest.approx(0.04)
    assert split.queued == pytest.approx(0.109)


def test_a_culprit_is_named_from_a_quarter_of_the_stall() -> None:
    assert names_a_culprit(CauseSplit(starved=0.05, queued=0.15), 0.2)
    assert not names_a_culprit(CauseSplit(starved=0.04, queued=0.16), 0.2)
    assert not names_a_culprit(CauseSplit(blocked=0.2), 0.2)


def stall(
    split: CauseSplit, *, late: bool = False, culprit: str | None = None
) -> Stall:
    return Stall(
        start=0.0,
        duration=0.15,
        project_frame="demoapp/views.py:42 in books",
        innermost_frame="selectors.py:468 in select",
        stack=(),
        late=late,
        split=split,
        culprit=culprit,
    )


def test_the_line_names_the_gil_holder_whatever_the_main_cause() -> None:
    spinner = "ThreadPoolExecutor-0_0 at django/db/models/base.py:584 in from_db"
    starved = stall(CauseSplit(starved=0.1, queued=0.05), culprit=spinner)
    assert describe_stall(starved) == f"starved 150 ms: {spinner}"
    late = stall(CauseSplit(starved=0.05, queued=0.1), late=True, culprit=spinner)
    assert describe_stall(late) == (
        f"machine busy 150 ms: the loop waited for a CPU and for the GIL ({spinner})"
    )
    blocked = stall(CauseSplit(starved=0.05, blocked=0.1), culprit=spinner)
    assert describe_stall(blocked) == (
        f"blocked 150 ms at demoapp/views.py:42 in books; GIL held by {spinner}"
    )


def test_without_a_culprit_the_line_stays_short() -> None:
    late = stall(CauseSplit(queued=0.15), late=True)
    assert describe_stall(late) == "machine busy 150 ms: the loop waited for a CPU"
    starved = stall(CauseSplit(starved=0.15))
    assert describe_stall(starved) == "starved 150 ms: another thread held the GIL"
