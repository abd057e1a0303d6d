"""The native-driver patterns on SQLite: aiosqlite, the sqlite3 module on a thread.

aiosqlite runs each connection's ``sqlite3`` calls on a thread of its own,
driven from the loop through a queue: the loop waits on a future while that
thread runs the query and builds the rows (holding the GIL as it does).
"""

import asyncio

import aiosqlite
from django.conf import settings
from django.http import HttpRequest, JsonResponse

from demoapp.views import GENRES_GATHERED, count_param, genre_names

DATABASE = settings.DATABASES["default"]["NAME"]
BOOKS = (
    "SELECT id, author_id, title, isbn, genre, published, pages, price_cents"
    " FROM demoapp_book"
)


async def native_driver(request: HttpRequest) -> JsonResponse:
    """aiosqlite: its own thread per connection, tuples instead of models."""
    async with aiosqlite.connect(DATABASE) as db:
        cursor = await db.execute(BOOKS)
        rows = await cursor.fetchall()
    return JsonResponse({"rows": len(rows)})


async def native_chunked(request: HttpRequest) -> JsonResponse:
    """The same rows 2,000 at a time: each fetchmany is one trip to its thread."""
    count = 0
    async with aiosqlite.connect(DATABASE) as db:
        cursor = await db.execute(BOOKS)
        while rows := await cursor.fetchmany(2000):
            count += len(rows)
    return JsonResponse({"rows": count})


async def gather_native(request: HttpRequest) -> JsonResponse:
    """N counts over N aiosqlite connections, each with its thread: waits overlap."""
    genres = genre_names(count_param(request, "n", GENRES_GATHERED, 20))
    counts = await asyncio.gather(*(count_genre_native(genre) for genre in genres))
    return JsonResponse({"rows": len(counts)})


async def count_genre_native(genre: str) -> int:
    """One count over a connection of its own."""
    async with aiosqlite.connect(DATABASE) as db:
        cursor = await db.execute(
            "SELECT COUNT(*) FROM demoapp_book WHERE genre = ?", (genre,)
        )
        (count,) = await cursor.fetchone()
    return count


async def gather_shared(request: HttpRequest) -> JsonResponse:
    """The same N counts gathered over one connection: its one thread queues them."""
    genres = genre_names(count_param(request, "n", GENRES_GATHERED, 20))
    async with aiosqlite.connect(DATABASE) as db:
        counts = await asyncio.gather(*(count_genre_on(db, genre) for genre in genres))
    return JsonResponse({"rows": len(counts)})


async def count_genre_on(db: aiosqlite.Connection, genre: str) -> int:
    """One count on a connection the caller shares."""
    cursor = await db.execute(
        "SELECT COUNT(*) FROM demoapp_book WHERE genre = ?", (genre,)
    )
    (count,) = await cursor.fetchone()
    return count
