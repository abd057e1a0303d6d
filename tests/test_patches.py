"""Every process-wide change loopbeat makes is undone when the engine stops."""

import asyncio

from tui.engine.bench import Bench
from tui.engine.hooks import statement_hook
from tui.engine.patches import process_state
from tui.engine.runs import RunSpec
from tui.lessons.patterns import find

PATCHED_WHILE_RUNNING = (
    "Handle._run",
    "loop selector",
    "SyncToAsync.__call__",
    "AsyncToSync.__call__",
    "aiosqlite Connection._connect",
    "psycopg AsyncCursor.execute",
    "psycopg AsyncServerCursor.fetchmany",
    "psycopg ServerCursor.fetchmany",
    "psycopg AsyncConnection.wait",
    "connection_created receivers",
    "got_request_exception receivers",
    "loop exception handler",
    "gc.frozen",
)


async def test_every_process_wide_change_is_undone_when_the_engine_stops(
    demo,
) -> None:
    loop = asyncio.get_running_loop()
    before = process_state(loop)
    async with Bench(demo) as bench:
        # A guard-lifted run opens a connection on this thread, so its
        # execute_wrappers are among what is read.
        await bench.run_now(RunSpec.of(find("sync-unguarded")))
        await bench.run_now(RunSpec.of(find("native-driver")))
        during = process_state(loop)
        assert bench.hooks is not None
        hooked = bench.hooks.hooked_connections
        assert hooked and all(statement_hook in c.execute_wrappers for c in hooked)
    after = process_state(loop)
    unchanged = [key for key in PATCHED_WHILE_RUNNING if during[key] == before[key]]
    assert not unchanged, "not patched while running"
    assert not any(statement_hook in c.execute_wrappers for c in hooked)
    assert after == before
