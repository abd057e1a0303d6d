"""The native-driver patterns on PostgreSQL: psycopg 3's async connections.

psycopg's ``AsyncConnection`` has no thread: it waits for the server on the
socket from the loop itself, and decodes the rows on the loop's thread. One
connection runs one statement at a time (gathered ones wait their turn); a
pool (psycopg-pool's ``AsyncConnectionPool``) gives each its own.
"""

import asyncio
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from demoapp.pgpool import pool_for_this_loop
from demoapp.views import GENRES_GATHERED, count_param, genre_names

BOOKS = (
    "SELECT id, author_id, title, isbn, genre, published, pages, price_cents"
    " FROM demoapp_book"
)


def connect_params() -> dict[str, Any]:
    """The ``default`` database's connection parameters, as Django has them,
    and in autocommit, as Django's connections are."""
    database = settings.DATABASES["default"]
    params = {
        "dbname": database["NAME"],
        "user": database["USER"],
        "password": database["PASSWORD"],
        "host": database["HOST"],
        "port": database["PORT"],
        **database["OPTIONS"],
    }
    given = {key: value for key, value in params.items() if value not in ("", None)}
    return {**given, "autocommit": True}


async def native_driver(request: HttpRequest) -> JsonResponse:
    """psycopg's AsyncConnection: it waits from the loop, and decodes on it."""
    async with await AsyncConnection.connect(**connect_params()) as conn:
        cursor = await conn.execute(BOOKS)
        rows = await cursor.fetchall()
    return JsonResponse({"rows": len(rows)})


async def native_chunked(request: HttpRequest) -> JsonResponse:
    """psycopg's stream(): the rows 2,000 at a time as the server sends them."""
    count = 0
    async with await AsyncConnection.connect(**connect_params()) as conn:
        cursor = conn.cursor()
        async for _book in cursor.stream(BOOKS, size=2000):
            count += 1
    return JsonResponse({"rows": count})


async def gather_native(request: HttpRequest) -> JsonResponse:
    """N counts gathered over a pool: each on a connection of its own."""
    genres = genre_names(count_param(request, "n", GENRES_GATHERED, 20))
    pool = await pool_for_this_loop(connect_params())
    counts = await asyncio.gather(*(count_genre_pooled(pool, g) for g in genres))
    return JsonResponse({"rows": len(counts)})


async def count_genre_pooled(pool: AsyncConnectionPool, genre: str) -> int:
    """One count on a connection borrowed from the pool."""
    async with pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT count(*) FROM demoapp_book WHERE genre = %s", (genre,)
        )
        (count,) = await cursor.fetchone()
    return count


async def gather_shared(request: HttpRequest) -> JsonResponse:
    """The same N counts gathered over one connection: psycopg runs them in turn."""
    genres = genre_names(count_param(request, "n", GENRES_GATHERED, 20))
    async with await AsyncConnection.connect(**connect_params()) as conn:
        counts = await asyncio.gather(*(count_genre_on(conn, g) for g in genres))
    return JsonResponse({"rows": len(counts)})


async def count_genre_on(conn: AsyncConnection, genre: str) -> int:
    """One count on a connection the caller shares."""
    cursor = await conn.execute(
        "SELECT count(*) FROM demoapp_book WHERE genre = %s", (genre,)
    )
    (count,) = await cursor.fetchone()
    return count
