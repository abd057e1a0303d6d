"""One real view per fetch pattern, plus ``/ping``.

Each view answers JSON: how many rows it fetched, how many statements ran and
on which threads (recorded by ``demoapp.netsim``), the thread that ran the
view's own code, and how long the view took. The TUI shows each view's source
on screen, so the views are written the way a Django developer would write
them; the bookkeeping lives in ``measured`` and ``_answer``.
"""

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import SynchronousOnlyOperation
from django.http import HttpRequest, JsonResponse

from demoapp import netsim
from demoapp.models import GENRES, Author, Book

N_PLUS_ONE_BOOKS = 50
GENRES_GATHERED = 5


def measured(view: Callable) -> Callable:
    """Wrap an async view so its JSON answer carries rows, threads and timing."""

    @wraps(view)
    async def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
        started = time.perf_counter()
        with netsim.recording() as log:
            rows = await view(request, *args, **kwargs)
        return _answer(rows, log, started)

    return wrapper


def measured_sync(view: Callable) -> Callable:
    """The same for a plain sync view (Django runs it in a worker thread)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
        started = time.perf_counter()
        with netsim.recording() as log:
            rows = view(request, *args, **kwargs)
        return _answer(rows, log, started)

    return wrapper


def _answer(rows: int, log: netsim.StatementLog, started: float) -> JsonResponse:
    return JsonResponse(
        {
            "rows": rows,
            "queries": log.count,
            "query_threads": log.threads,
            "hops": log.hops,
            "view_thread": threading.current_thread().name,
            "view_ms": round((time.perf_counter() - started) * 1000, 3),
        }
    )


def _count_param(request: HttpRequest, name: str, default: int, limit: int) -> int:
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        return default
    return max(1, min(value, limit))


@contextmanager
def django_guard_lifted() -> Iterator[None]:
    """Lift Django's async-safety guard for the duration of one call, then restore it.

    ``async_unsafe`` reads ``DJANGO_ALLOW_ASYNC_UNSAFE`` at call time. Never set
    it process-wide: the guard exists to keep connections off the event loop.
    """
    key = "DJANGO_ALLOW_ASYNC_UNSAFE"
    previous = os.environ.get(key)
    os.environ[key] = "true"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[key]
        else:
            os.environ[key] = previous


# --- the patterns -----------------------------------------------------------


async def ping(request: HttpRequest) -> JsonResponse:
    """A trivial async view: its latency is what every other user feels."""
    return JsonResponse({"pong": True})


async def sync_orm_guarded(request: HttpRequest) -> JsonResponse:
    """Sync ORM inside an async view, with Django's guard in place."""
    try:
        books = list(Book.objects.all())  # Django refuses: a loop runs here
    except SynchronousOnlyOperation as error:
        return JsonResponse(
            {"error": f"SynchronousOnlyOperation: {error}", "rows": 0}, status=500
        )
    return JsonResponse({"rows": len(books)})


@measured
async def sync_orm_unguarded(request: HttpRequest) -> int:
    """Sync ORM inside an async view with the guard lifted: the loop freezes."""
    with django_guard_lifted():
        books = list(Book.objects.all())  # runs on the event loop's own thread
    return len(books)


@measured
async def async_orm_iterate(request: HttpRequest) -> int:
    """Django's async ORM: ``async for`` fetches every row in one thread hop."""
    books = [book async for book in Book.objects.all()]
    return len(books)


@measured
async def async_orm_stream(request: HttpRequest) -> int:
    """Django's async ORM: ``aiterator`` hops to the thread once per chunk."""
    count = 0
    async for _book in Book.objects.all().aiterator(chunk_size=2000):
        count += 1
    return count


@measured
async def async_orm_get_count(request: HttpRequest) -> int:
    """Small async-ORM calls: each ``a*`` method is one ``sync_to_async`` hop."""
    await Book.objects.acount()
    book = await Book.objects.order_by("pk").afirst()
    if book is None:
        return 1
    await Author.objects.aget(pk=book.author_id)
    return 3  # rows fetched: a count, a book, its author


def fetch_all_books() -> list[Book]:
    """Plain sync ORM code, as found in any Django project."""
    return list(Book.objects.all())


@measured
async def sync_to_async_fetch(request: HttpRequest) -> int:
    """Sync ORM code wrapped in ``sync_to_async`` (thread_sensitive=True)."""
    books = await sync_to_async(fetch_all_books)()
    return len(books)


@measured_sync
def sync_view(request: HttpRequest) -> int:
    """A plain sync view: under ASGI Django runs it in the request's thread."""
    books = list(Book.objects.all())
    return len(books)


@measured
async def native_driver(request: HttpRequest) -> int:
    """aiosqlite: its own thread per connection, tuples instead of models."""
    async with netsim.open_native(settings.DATABASES["default"]["NAME"]) as db:
        cursor = await db.execute(
            "SELECT id, author_id, title, isbn, genre, published, pages, price_cents"
            " FROM demoapp_book"
        )
        rows = await cursor.fetchall()
    return len(rows)


@measured
async def n_plus_one(request: HttpRequest) -> int:
    """The N+1 written with the async ORM: a query and a thread hop per book."""
    limit = _count_param(request, "books", N_PLUS_ONE_BOOKS, 1000)
    books = [book async for book in Book.objects.order_by("pk")[:limit]]
    for book in books:
        book.author = await Author.objects.aget(pk=book.author_id)
        book.review_list = [review async for review in book.reviews.all()]
    return len(books)


@measured
async def prefetched(request: HttpRequest) -> int:
    """The same data with ``select_related`` and ``prefetch_related``: 2 queries."""
    limit = _count_param(request, "books", N_PLUS_ONE_BOOKS, 1000)
    query = Book.objects.select_related("author").prefetch_related("reviews")
    books = [book async for book in query.order_by("pk")[:limit]]
    return len(books)


@measured
async def gather_orm(request: HttpRequest) -> int:
    """N async-ORM queries gathered in one view. They queue on one thread."""
    genres = _genres(_count_param(request, "n", GENRES_GATHERED, 20))
    counts = await asyncio.gather(
        *(Book.objects.filter(genre=genre).acount() for genre in genres)
    )
    return len(counts)


@measured
async def gather_native(request: HttpRequest) -> int:
    """The same N counts over N aiosqlite connections: they overlap."""
    genres = _genres(_count_param(request, "n", GENRES_GATHERED, 20))
    counts = await asyncio.gather(*(count_genre_native(genre) for genre in genres))
    return len(counts)


async def count_genre_native(genre: str) -> int:
    async with netsim.open_native(settings.DATABASES["default"]["NAME"]) as db:
        cursor = await db.execute(
            "SELECT COUNT(*) FROM demoapp_book WHERE genre = ?", (genre,)
        )
        (count,) = await cursor.fetchone()
    return count


def _genres(n: int) -> list[str]:
    """n genre names, the same for both gathers (repeating past the last genre)."""
    return [GENRES[i % len(GENRES)] for i in range(n)]


@measured
async def blocking_sleep(request: HttpRequest) -> int:
    """Calibration: ``time.sleep(0.1)`` in an async view blocks the loop 100 ms.

    Django's guard does not notice: it only guards database connections.
    """
    time.sleep(0.1)
    return 0


@measured
async def async_sleep(request: HttpRequest) -> int:
    """Calibration: ``await asyncio.sleep(0.1)`` waits without blocking anyone."""
    await asyncio.sleep(0.1)
    return 0
