"""The noise check says whether the machine is quiet enough for short runs."""

import asyncio
from pathlib import Path

import pytest

from tests.test_app import started
from tui.engine.bench import Bench
from tui.engine.noise import NoiseReport, measure_noise
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.ui.app import LoopbeatApp


def report(**changes) -> NoiseReport:
    quiet = dict(
        lag_p99=0.001,
        lag_max=0.002,
        loop_queued_share=0.0,
        others_busy_share=0.1,
        control_kept_beating=3,
        control_runs=3,
    )
    return NoiseReport(**{**quiet, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {"loop_queued_share": 0.1},
        {"others_busy_share": 0.9},
        {"control_kept_beating": 2},
    ],
)
def test_any_sign_of_a_busy_machine_says_so(changes: dict) -> None:
    assert report().quiet and report().sentence().startswith("machine quiet")
    busy = report(**changes)
    assert not busy.quiet
    assert busy.sentence().startswith("machine busy (")
    assert "short runs may read" in busy.sentence()


def test_lag_alone_never_calls_the_machine_busy() -> None:
    # The idle lag holds loopbeat's own start-up (first frames, imports, a
    # database just seeded): a speaker must not be told to close apps for it.
    slow_start = report(lag_p99=0.0247, lag_max=0.06)
    assert slow_start.quiet
    assert "close what you can" not in slow_start.sentence()


async def test_the_apps_own_start_up_is_not_taken_for_a_busy_machine(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loop is kept busy by work of loopbeat's own while the check listens
    # (as the app's first frames are); the machine itself is quiet (its
    # readings injected, so the test holds with a CPU hog beside it).
    import time

    from tui.engine import noise
    from tui.instrument.owners import LOOPBEAT, context_of

    monkeypatch.setattr(noise, "_machine_cpu", lambda: (0.0, 0.0))
    monkeypatch.setattr(noise, "read_thread", lambda native_id: None)
    monkeypatch.setattr(noise, "SETTLE_LIMIT", 1.0)
    async with Bench(demo_target(demo_db)) as bench:
        loop = asyncio.get_running_loop()
        busy_until = time.perf_counter() + 0.6  # settles within the limit

        def start_up_work() -> None:
            if time.perf_counter() < busy_until:
                spin = time.perf_counter() + 0.03
                while time.perf_counter() < spin:
                    pass
                loop.call_later(0.02, start_up_work, context=context_of(LOOPBEAT))

        loop.call_soon(start_up_work, context=context_of(LOOPBEAT))
        measured = await measure_noise(bench)
    assert measured is not None
    assert measured.quiet, measured.sentence()


async def test_the_check_measures_and_keeps_no_runs(demo_db: Path) -> None:
    async with Bench(demo_target(demo_db)) as bench:
        measured = await measure_noise(bench)
        assert not bench.results  # the control runs are not the presenter's
    assert measured is not None and measured.control_runs == 3
    assert 0 <= measured.others_busy_share <= 1
    assert measured.lag_max >= measured.lag_p99 >= 0


async def test_a_run_fired_during_the_check_is_not_taken_for_noise(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.engine import noise
    from tui.engine.runs import RunSpec
    from tui.lessons.patterns import find

    seconds = []
    idle_second = noise._idle_second

    async def counted(bench: Bench) -> tuple[float, float, float, float]:
        seconds.append(1)
        return await idle_second(bench)

    monkeypatch.setattr(noise, "_idle_second", counted)
    async with Bench(demo_target(demo_db)) as bench:
        checking = asyncio.create_task(measure_noise(bench))
        await asyncio.sleep(0.3)  # inside the first idle second
        blocked = await bench.run_now(RunSpec.of(find("sleep-block")))
        assert blocked.loop_max_lag >= 0.09  # it did block the loop
        measured = await checking
    # The second it blocked was listened to again, and the block not kept.
    assert len(seconds) == 2
    assert measured is not None and measured.lag_max < 0.09
    assert measured.control_kept_beating == measured.control_runs


async def test_runs_overlapping_every_try_make_the_check_give_up(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.engine import noise

    monkeypatch.setattr(noise, "IDLE_SECONDS", 0.01)
    monkeypatch.setattr(noise, "ATTEMPTS", 3)
    monkeypatch.setattr(noise.Undisturbed, "__bool__", lambda self: False)
    async with Bench(demo_target(demo_db)) as bench:
        assert await measure_noise(bench) is None


async def test_the_app_says_it_in_its_first_seconds(demo_db: Path, monkeypatch) -> None:
    monkeypatch.setattr(LoopbeatApp, "CHECK_NOISE", True)
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        for _ in range(100):  # the check starts once the bench is up
            await app.workers.wait_for_complete()
            if any(line.find("machine ") >= 0 for line in app.main.events.lines):
                break
            await asyncio.sleep(0.05)
        await pilot.pause()
        assert any("short runs" in line for line in app.main.events.lines)
        assert not app.results


async def test_the_app_says_when_it_gave_the_check_up(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.engine import noise

    async def never(bench: Bench) -> None:
        return None

    monkeypatch.setattr(LoopbeatApp, "CHECK_NOISE", True)
    monkeypatch.setattr(noise, "measure_noise", never)
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        for _ in range(100):
            await app.workers.wait_for_complete()
            if any("noise check given up" in line for line in app.main.events.lines):
                break
            await asyncio.sleep(0.05)
        await pilot.pause()
        lines = app.main.events.lines
    assert any("noise check given up" in line for line in lines)
    assert not any("machine quiet" in x or "machine busy" in x for x in lines)
