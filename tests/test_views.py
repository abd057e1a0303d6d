"""Every view answers through Django's real ASGI handler, in-process."""

import asyncio
import os

import pytest

from demoapp import netsim
from tests.conftest import SMALL
from tui.inprocess import get

ALL_BOOKS = [
    "/sync/unguarded",
    "/async/iterate",
    "/async/sync-to-async",
    "/sync/view",
    "/native",
]


async def test_ping(asgi_app) -> None:
    response = await get(asgi_app, "/ping")
    assert response.status == 200
    assert response.json() == {"pong": True}


async def test_guard_kept_returns_djangos_error_as_json(asgi_app) -> None:
    response = await get(asgi_app, "/sync/guarded")
    assert response.status == 500
    assert response.json()["error"].startswith("SynchronousOnlyOperation: You cannot")
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ


@pytest.mark.parametrize("url", ALL_BOOKS)
async def test_fetch_all_books(asgi_app, url: str) -> None:
    body = (await get(asgi_app, url)).json()
    assert body["rows"] == SMALL.books
    assert body["queries"] == 1
    assert body["view_ms"] > 0


async def test_guard_lifted_runs_on_the_loop_thread_and_restores_the_guard(
    asgi_app,
) -> None:
    body = (await get(asgi_app, "/sync/unguarded")).json()
    assert body["query_threads"] == ["MainThread"]
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
    assert (await get(asgi_app, "/sync/guarded")).status == 500


@pytest.mark.parametrize(
    "url", ["/async/iterate", "/async/sync-to-async", "/async/get-count"]
)
async def test_async_orm_runs_in_a_worker_thread(asgi_app, url: str) -> None:
    body = (await get(asgi_app, url)).json()
    assert body["view_thread"] == "MainThread"
    assert len(body["query_threads"]) == 1
    assert body["query_threads"][0] != "MainThread"


async def test_sync_view_runs_entirely_in_one_worker_thread(asgi_app) -> None:
    body = (await get(asgi_app, "/sync/view")).json()
    assert body["view_thread"] != "MainThread"
    assert body["query_threads"] == [body["view_thread"]]


async def test_native_driver_uses_its_connection_thread(asgi_app) -> None:
    body = (await get(asgi_app, "/native")).json()
    assert body["query_threads"][0].endswith("(_connection_worker_thread)")


async def test_get_count(asgi_app) -> None:
    body = (await get(asgi_app, "/async/get-count")).json()
    assert body["rows"] == 3
    assert body["queries"] == 3


async def test_n_plus_one_against_prefetched(asgi_app) -> None:
    n_plus_one = (await get(asgi_app, "/n-plus-one?books=20")).json()
    prefetched = (await get(asgi_app, "/prefetched?books=20")).json()
    assert n_plus_one["rows"] == prefetched["rows"] == 20
    assert n_plus_one["queries"] == 1 + 20 + 20
    assert prefetched["queries"] == 2


async def test_gathers_count_the_same_rows_on_different_threads(asgi_app) -> None:
    orm = (await get(asgi_app, "/gather/orm?n=4")).json()
    native = (await get(asgi_app, "/gather/native?n=4")).json()
    assert orm["rows"] == native["rows"] == 4
    assert orm["queries"] == native["queries"] == 4
    assert len(orm["query_threads"]) == 1  # one request, one thread
    assert len(native["query_threads"]) == 4  # one thread per connection


@pytest.mark.parametrize(
    ("url", "view_thread"),
    [
        ("/calibrate/time-sleep", "MainThread"),
        ("/calibrate/asyncio-sleep", "MainThread"),
    ],
)
async def test_calibration_views(asgi_app, url: str, view_thread: str) -> None:
    body = (await get(asgi_app, url)).json()
    assert body["view_thread"] == view_thread
    assert 90 <= body["view_ms"] < 1000


LATENCY = netsim.LATENCY_HEADER


async def test_simulated_latency_applies_to_every_statement(asgi_app) -> None:
    # The quickest of three without latency: one run a loaded machine
    # happened to stretch must not stand for the view's own time.
    fast = min(
        [(await get(asgi_app, "/gather/orm?n=2")).json()["view_ms"] for _ in range(3)]
    )
    slow = (await get(asgi_app, "/gather/orm?n=2", {LATENCY: "40"})).json()
    assert slow["view_ms"] >= fast + 2 * 40 * 0.9


@pytest.mark.parametrize("url", ["/gather/orm?n=2", "/gather/native?n=2", "/sync/view"])
async def test_two_requests_in_flight_each_get_their_own_latency(
    asgi_app, url: str
) -> None:
    """The latency travels with the request, on whichever thread runs its queries.

    Both requests are in flight at once: with a process-wide setting the
    second would overwrite the first's. Judged by a lower bound (one round
    trip) that load on the machine can only add to.
    """
    slow, fast = await asyncio.gather(
        get(asgi_app, url, {LATENCY: "150"}), get(asgi_app, url, {LATENCY: "0"})
    )
    slow_body, fast_body = slow.json(), fast.json()
    assert slow_body["queries"] >= 1
    assert slow_body["view_ms"] >= 150 * 0.95
    assert fast_body["view_ms"] < slow_body["view_ms"]
    assert netsim.current_latency_ms() == 0  # nothing leaked into this context


@pytest.mark.parametrize("value", ["-5", "nan", "fast", "inf"])
async def test_a_bad_latency_header_is_refused(asgi_app, value: str) -> None:
    response = await get(asgi_app, "/ping", {LATENCY: value})
    assert response.status == 400
    assert LATENCY in response.json()["error"]


def test_the_client_sends_the_header_demoapp_reads() -> None:
    from tui.client import LATENCY_HEADER

    assert LATENCY_HEADER == netsim.LATENCY_HEADER


async def test_unknown_url_is_a_404(asgi_app) -> None:
    assert (await get(asgi_app, "/no-such-pattern")).status == 404


async def test_a_failing_query_answers_json(asgi_app, monkeypatch) -> None:
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "NAME", "/nonexistent/dir/db")
    response = await get(asgi_app, "/sync/view")
    assert response.status == 500
    assert "OperationalError" in response.json()["error"]
