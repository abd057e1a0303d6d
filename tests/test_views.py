"""Every view answers through Django's real ASGI handler, in-process, and
loopbeat records what it did out of band: statements, threads, hops, errors."""

import asyncio
import os

import pytest

from tests.conftest import SMALL, send
from tui.engine.inprocess import get

ALL_BOOKS = [
    "/sync/unguarded",
    "/async/iterate",
    "/async/sync-to-async",
    "/sync/view",
    "/native",
]
LOOP = "MainThread"


async def test_ping(asgi_app) -> None:
    response = await get(asgi_app, "/ping")
    assert response.status == 200
    assert response.json() == {"pong": True}


async def test_guard_kept_raises_and_the_record_says_what_and_where(
    recorded_app,
) -> None:
    response, record = await send(recorded_app, "/sync/guarded")
    assert response.status == 500
    assert record.raised is not None
    assert record.raised.kind == "SynchronousOnlyOperation"
    assert record.raised.message.startswith("You cannot call this")
    assert record.raised.where is not None
    assert record.raised.where.startswith("demoapp/views.py:")
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ


@pytest.mark.parametrize("url", ALL_BOOKS)
async def test_fetch_all_books(recorded_app, url: str) -> None:
    response, record = await send(recorded_app, url)
    assert response.json()["rows"] == SMALL.books
    assert record.queries == 1


async def test_guard_lifted_runs_on_the_loop_thread_and_restores_the_guard(
    recorded_app,
) -> None:
    _, record = await send(recorded_app, "/sync/unguarded")
    assert record.query_threads == (LOOP,)
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
    assert (await get(recorded_app, "/sync/guarded")).status == 500


@pytest.mark.parametrize(
    "url", ["/async/iterate", "/async/sync-to-async", "/async/get-count"]
)
async def test_async_orm_runs_in_a_worker_thread(recorded_app, url: str) -> None:
    _, record = await send(recorded_app, url)
    assert record.view_thread == LOOP
    assert len(record.query_threads) == 1
    assert record.query_threads[0] != LOOP


async def test_sync_view_runs_entirely_in_one_worker_thread(recorded_app) -> None:
    _, record = await send(recorded_app, "/sync/view")
    assert record.view_thread is not None and record.view_thread != LOOP
    assert record.query_threads == (record.view_thread,)


async def test_native_driver_uses_its_connection_thread(recorded_app) -> None:
    _, record = await send(recorded_app, "/native")
    assert record.query_threads[0].endswith("(_connection_worker_thread)")


async def test_get_count(recorded_app) -> None:
    response, record = await send(recorded_app, "/async/get-count")
    assert response.json()["rows"] == 3
    assert record.queries == 3
    assert record.view_hops == 3  # acount, afirst, aget: one hop each


async def test_n_plus_one_against_prefetched(recorded_app) -> None:
    _, n_plus_one = await send(recorded_app, "/n-plus-one?books=20")
    _, prefetched = await send(recorded_app, "/prefetched?books=20")
    assert n_plus_one.queries == 1 + 20 + 20
    assert prefetched.queries == 2


async def test_gathers_count_the_same_rows_on_different_threads(recorded_app) -> None:
    _, orm = await send(recorded_app, "/gather/orm?n=4")
    _, native = await send(recorded_app, "/gather/native?n=4")
    assert orm.queries == native.queries == 4
    assert len(orm.query_threads) == 1  # one request, one thread
    assert len(native.query_threads) == 4  # one thread per connection


async def test_every_request_hops_for_djangos_own_signal_and_close(
    recorded_app,
) -> None:
    # FACTS 12 and 24: with no middleware, an async view that queries nothing
    # still crosses twice: request_started's sync receivers, the response's
    # close. Those are Django's, not the view's.
    _, record = await send(recorded_app, "/calibrate/asyncio-sleep")
    assert record.view_hops == 0
    callers = [hop.caller for hop in record.hops]
    assert "request_started" in callers
    assert any(caller.endswith(".close") for caller in callers)
    assert len(record.hops) == 2


async def test_async_for_is_one_hop_and_aiterator_one_per_chunk(
    recorded_app,
) -> None:
    _, one = await send(recorded_app, "/async/iterate")
    _, streamed = await send(recorded_app, "/async/stream")
    assert one.view_hops == 1
    assert streamed.view_hops == -(-SMALL.books // 2000) + 1  # and the last, empty


async def test_simulated_latency_applies_to_every_statement(recorded_app) -> None:
    _, slow = await send(recorded_app, "/gather/orm?n=2", latency_ms=40)
    assert [s.latency for s in slow.statements] == [0.04, 0.04]
    assert all(s.seconds >= 0.04 for s in slow.statements)


@pytest.mark.parametrize("url", ["/gather/orm?n=2", "/gather/native?n=2", "/sync/view"])
async def test_two_requests_in_flight_each_get_their_own_latency(
    recorded_app, url: str
) -> None:
    """The latency travels with the request, on whichever thread runs its queries.

    Both requests are in flight at once: with a process-wide setting the
    second would overwrite the first's. Read off what each statement was
    given, which load on the machine cannot change.
    """
    (_, slow), (_, fast) = await asyncio.gather(
        send(recorded_app, url, latency_ms=150), send(recorded_app, url)
    )
    assert slow.queries >= 1 and fast.queries == slow.queries
    assert {s.latency for s in slow.statements} == {0.15}
    assert {s.latency for s in fast.statements} == {0.0}


async def test_unknown_url_is_a_404(recorded_app) -> None:
    response, record = await send(recorded_app, "/no-such-pattern")
    assert response.status == 404
    assert record.view_thread is None


async def test_a_failing_query_is_recorded_with_its_error(
    recorded_app, monkeypatch
) -> None:
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "NAME", "/nonexistent/dir/db")
    response, record = await send(recorded_app, "/sync/view")
    assert response.status == 500
    assert record.raised is not None and record.raised.kind == "OperationalError"


async def test_requests_loopbeat_did_not_send_are_not_recorded(recorded_app) -> None:
    from tui.engine.record import CURRENT

    response = await get(recorded_app, "/async/get-count")
    assert response.status == 200
    assert CURRENT.get() is None


async def test_neither_latency_strategy_blocks_the_loop(recorded_app) -> None:
    # A worker thread's sleep (Django's sync ORM, aiosqlite) releases the GIL
    # as a socket read does, so the loop beats on while five statements each
    # wait 100 ms. (psycopg's async driver, which awaits on the loop instead,
    # is proved so in tests/test_postgres_views.py.)
    from tui.instrument.heartbeat import LoopMonitor

    async with LoopMonitor() as monitor:
        await send(recorded_app, "/gather/orm?n=5", latency_ms=100)
        await send(recorded_app, "/gather/native?n=5", latency_ms=100)
        stats = monitor.stats(since=monitor.samples()[0].t)
    # Each of those waits was 100 ms: a blocking strategy would lag 100 ms+.
    assert stats.max < 0.05, stats
