"""One real view per fetch pattern through Django's ORM, plus ``/ping``.

The native-driver patterns are the backend's own: ``demoapp.native_sqlite``
(aiosqlite) and ``demoapp.native_postgres`` (psycopg's async connections).

Each view answers JSON with how many rows it fetched. The TUI shows each
view's source on screen, so the views are written the way a Django developer
would write them: what ran on which thread, and how long, loopbeat records
itself, out of band, as it would for any project.
"""

import asyncio
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from asgiref.sync import sync_to_async
from django.http import HttpRequest, JsonResponse

from demoapp.models import GENRES, Author, Book

N_PLUS_ONE_BOOKS = 50
GENRES_GATHERED = 5


def count_param(request: HttpRequest, name: str, default: int, limit: int) -> int:
    """A count from the query string, within 1 and ``limit``."""
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
    books = list(Book.objects.all())  # Django refuses: a loop runs here
    return JsonResponse({"rows": len(books)})


async def sync_orm_unguarded(request: HttpRequest) -> JsonResponse:
    """Sync ORM inside an async view with the guard lifted: the loop freezes."""
    with django_guard_lifted():
        books = list(Book.objects.all())  # runs on the event loop's own thread
    return JsonResponse({"rows": len(books)})


async def async_orm_iterate(request: HttpRequest) -> JsonResponse:
    """Django's async ORM: ``async for`` fetches every row in one thread hop."""
    books = [book async for book in Book.objects.all()]
    return JsonResponse({"rows": len(books)})


async def async_orm_stream(request: HttpRequest) -> JsonResponse:
    """Django's async ORM: ``aiterator`` hops to the thread once per chunk."""
    count = 0
    async for _book in Book.objects.all().aiterator(chunk_size=2000):
        count += 1
    return JsonResponse({"rows": count})


async def async_orm_get_count(request: HttpRequest) -> JsonResponse:
    """Small async-ORM calls: each ``a*`` method is one ``sync_to_async`` hop."""
    await Book.objects.acount()
    book = await Book.objects.order_by("pk").afirst()
    if book is None:
        return JsonResponse({"rows": 1})
    await Author.objects.aget(pk=book.author_id)
    return JsonResponse({"rows": 3})  # a count, a book, its author


def fetch_all_books() -> list[Book]:
    """Plain sync ORM code, as found in any Django project."""
    return list(Book.objects.all())


async def sync_to_async_fetch(request: HttpRequest) -> JsonResponse:
    """Sync ORM code wrapped in ``sync_to_async`` (thread_sensitive=True)."""
    books = await sync_to_async(fetch_all_books)()
    return JsonResponse({"rows": len(books)})


def sync_view(request: HttpRequest) -> JsonResponse:
    """A plain sync view: under ASGI Django runs it in the request's thread."""
    books = list(Book.objects.all())
    return JsonResponse({"rows": len(books)})


async def n_plus_one(request: HttpRequest) -> JsonResponse:
    """The N+1 written with the async ORM: a query and a thread hop per book."""
    limit = count_param(request, "books", N_PLUS_ONE_BOOKS, 1000)
    books = [book async for book in Book.objects.order_by("pk")[:limit]]
    for book in books:
        book.author = await Author.objects.aget(pk=book.author_id)
        book.review_list = [review async for review in book.reviews.all()]
    return JsonResponse({"rows": len(books)})


async def prefetched(request: HttpRequest) -> JsonResponse:
    """The same data with ``select_related`` and ``prefetch_related``: 2 queries."""
    limit = count_param(request, "books", N_PLUS_ONE_BOOKS, 1000)
    query = Book.objects.select_related("author").prefetch_related("reviews")
    books = [book async for book in query.order_by("pk")[:limit]]
    return JsonResponse({"rows": len(books)})


async def gather_orm(request: HttpRequest) -> JsonResponse:
    """N async-ORM queries gathered in one view. They queue on one thread."""
    genres = genre_names(count_param(request, "n", GENRES_GATHERED, 20))
    counts = await asyncio.gather(
        *(Book.objects.filter(genre=genre).acount() for genre in genres)
    )
    return JsonResponse({"rows": len(counts)})


def genre_names(n: int) -> list[str]:
    """n genre names, the same for every gather (repeating past the last genre)."""
    return [GENRES[i % len(GENRES)] for i in range(n)]


async def blocking_sleep(request: HttpRequest) -> JsonResponse:
    """Calibration: ``time.sleep(0.1)`` in an async view blocks the loop 100 ms.

    Django's guard does not notice: it only guards database connections.
    """
    time.sleep(0.1)
    return JsonResponse({"rows": 0})


async def async_sleep(request: HttpRequest) -> JsonResponse:
    """Calibration: ``await asyncio.sleep(0.1)`` waits without blocking anyone."""
    await asyncio.sleep(0.1)
    return JsonResponse({"rows": 0})
