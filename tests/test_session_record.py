"""The session's record: what x keeps, what the events log adds, what r says."""

import asyncio
import csv
import json
from pathlib import Path

from tests.test_app import run_and_wait, started
from tui.engine.event_notes import EventNotes
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.ui.app import LoopbeatApp
from tui.ui.widgets.replay_panel import ReplayPanel


def exported(folder: Path, suffix: str) -> Path:
    (path,) = (p for p in folder.iterdir() if p.name.endswith(suffix))
    return path


def _session_json(folder: Path) -> Path:
    (path,) = (p for p in folder.glob("*.json") if not p.name.endswith(".trace.json"))
    return path


async def export(pilot) -> None:
    await pilot.press("w")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_x_clears_the_screen_and_every_run_stays_in_the_exports(
    demo_db: Path, tmp_path: Path
) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, export_dir=tmp_path)
    async with started(app) as pilot:
        before = await run_and_wait(pilot, "2")
        await pilot.press("x")
        await pilot.pause()
        assert app.main.results_table.row_count == 0  # the screen is clear
        after = await run_and_wait(pilot, "e")
        await export(pilot)
    with exported(tmp_path, ".csv").open() as file:
        numbers = [int(row["number"]) for row in csv.DictReader(file)]
    assert numbers == [before.number, after.number]


async def test_the_json_export_holds_the_events_log_with_times(
    demo_db: Path, tmp_path: Path
) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS, export_dir=tmp_path)
    async with started(app) as pilot:
        result = await run_and_wait(pilot, "1")  # time.sleep(0.1): a stall line
        # The stall's line reaches the log once it is explained: wait for it
        # (generously, so a loaded machine is not a failure).
        for _ in range(200):
            lines = app.main.events.lines
            if any(line.split(" ", 1)[1].startswith("blocked ") for line in lines):
                break
            await asyncio.sleep(0.05)
        shown = list(app.main.events.lines)
        await export(pilot)
    data = json.loads(_session_json(tmp_path).read_text())
    events = data["events"]
    texts = [event["text"] for event in events]
    # Every line the panel showed, in order, without its clock stamp.
    assert [line.split(" ", 1)[1] for line in shown] == texts[: len(shown)]
    assert any(t.startswith(f"#{result.number} sleep-block: blocked") for t in texts)
    assert any(t.startswith("blocked ") and "views.py" in t for t in texts), texts
    times = [event["t"] for event in events]
    assert times == sorted(times)
    assert result.started - 60 < times[0] <= result.started  # perf_counter, too
    assert all(event["wall"] > 1e9 for event in events)  # seconds since the epoch
    assert data["meta"]["events_limit"] >= len(events)
    assert data["meta"]["events_dropped"] == 0


def test_the_events_kept_are_bounded_and_say_how_many_made_way() -> None:
    notes = EventNotes(limit=3)
    for number in range(5):
        notes.add(f"event {number}")
    assert [note.text for note in notes.notes()] == ["event 2", "event 3", "event 4"]
    assert notes.dropped == 2


async def test_r_says_why_it_cannot_replay(demo_db: Path) -> None:
    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)

    def said() -> str:
        return str(list(app._notifications)[-1].message)

    async with started(app) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert said().startswith("Nothing to replay yet: run a pattern")
        # Runs held in flight until released, however fast the machine is.
        release = asyncio.Event()
        client = app.bench._client
        real_run = client.run

        async def held(spec, number):
            await release.wait()
            return await real_run(spec, number)

        client.run = held
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert said() == (
            "#1 sleep-await is still running: press r again once it has finished"
        )
        await pilot.press("b")  # a burst of it
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert said() == (
            "#2 sleep-await:5 is still running: press r again once it has finished"
        )
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        client.run = real_run
        # Released together, either may end last: r replays the newest to end.
        newest = app.results[-1].number
        await pilot.press("x")  # a clear keeps the record: r still replays it
        await pilot.press("r")
        await pilot.pause()
        panel = app.main.query_one(ReplayPanel)
        assert panel.display and panel.recording is not None
        assert panel.recording.number == newest in (1, 2)

    fresh = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(fresh) as pilot:
        raised = await run_and_wait(pilot, "s")  # Django's guard raises
        await pilot.press("r")
        await pilot.pause()
        message = str(list(fresh._notifications)[-1].message)
        assert message.startswith(
            f"#{raised.number} sync-guarded raised SynchronousOnlyOperation: "
        )
        assert "only a run that answered can be replayed" in message
