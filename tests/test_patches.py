"""Every process-wide change loopbeat makes is undone when the engine stops."""

import asyncio
from typing import Any

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
    from django.db.backends.signals import connection_created

    loop = asyncio.get_running_loop()
    before = process_state(loop)
    opened: list[Any] = []

    def keep(sender: Any, connection: Any, **kwargs: Any) -> None:
        # The hooks hold connections weakly, and a connection whose request
        # has ended lives only until the next collection.
        opened.append(connection)

    async with Bench(demo) as bench:
        connection_created.connect(keep, weak=False)
        try:
            # A guard-lifted run opens a connection on this thread, so its
            # execute_wrappers are among what is read.
            await bench.run_now(RunSpec.of(find("sync-unguarded")))
            await bench.run_now(RunSpec.of(find("native-driver")))
            # Callbacks are timed (Handle._run wrapped) only while a run is
            # in flight: read the state during one.
            in_flight = asyncio.create_task(
                bench.run_now(RunSpec.of(find("sleep-await")))
            )
            assert bench.monitor is not None
            while not bench.monitor.ledger.wanted and not in_flight.done():
                await asyncio.sleep(0.001)
            during = process_state(loop)
            await in_flight
        finally:
            connection_created.disconnect(keep)
        assert bench.hooks is not None
        hooked = bench.hooks.hooked_connections
        assert hooked and all(statement_hook in c.execute_wrappers for c in hooked)
    after = process_state(loop)
    unchanged = [key for key in PATCHED_WHILE_RUNNING if during[key] == before[key]]
    assert not unchanged, "not patched while running"
    assert not any(statement_hook in c.execute_wrappers for c in hooked)
    assert after == before
