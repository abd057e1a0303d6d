"""The fetch patterns that go through Django's ORM: the same on every backend.

Their views are in ``demoapp/views.py``; what Django does with them (one
worker thread per request, one connection, a hop per ``a*`` call) does not
depend on the database. What a run of them measured is said by the run.
"""

from tui.lessons.pattern import Pattern

BEFORE_NATIVE: tuple[Pattern, ...] = (
    Pattern(
        key="1",
        name="sleep-block",
        title="Calibrate: time.sleep(0.1)",
        url="/calibrate/time-sleep",
        view="blocking_sleep",
        blocks_loop=True,
        explanation=(
            "time.sleep(0.1) inside an async view holds the event loop for 100 ms: "
            "nothing else runs, the heartbeat stops, every other request waits. "
            "Django's async-safety guard does not notice; it only guards database "
            "connections. A known block, so the meter can be trusted: the verdict, "
            "the stall line and the worst lag name the same stall."
        ),
    ),
    Pattern(
        key="2",
        name="sleep-await",
        title="Calibrate: await asyncio.sleep(0.1)",
        url="/calibrate/asyncio-sleep",
        view="async_sleep",
        explanation=(
            "The same wait, awaited: the view yields to the loop, which keeps "
            "serving the heartbeat and other requests while it waits."
        ),
    ),
    Pattern(
        key="s",
        name="sync-guarded",
        title="Sync ORM in an async view",
        url="/sync/guarded",
        view="sync_orm_guarded",
        explanation=(
            "Calling the sync ORM inside an async view does not block the loop: "
            "Django refuses. Connecting, creating a cursor, commits and rollbacks "
            "are wrapped in async_unsafe, which raises SynchronousOnlyOperation "
            "when an event loop runs in the thread; the query fails as it asks "
            "for a cursor, whether or not a connection is already open, so "
            "anything that queries, a lazy foreign-key load included, raises. "
            "The guard protects data; it is not a blocking detector."
        ),
    ),
    Pattern(
        key="u",
        name="sync-unguarded",
        title="Sync ORM, guard lifted (blocks)",
        url="/sync/unguarded",
        view="sync_orm_unguarded",
        blocks_loop=True,
        explanation=(
            "With DJANGO_ALLOW_ASYNC_UNSAFE set for this one call, the query and "
            "the building of every model instance run on the event loop's own "
            "thread. The loop freezes for the whole fetch: no heartbeat, no other "
            "request, not even a redraw. Never set it in production."
        ),
    ),
    Pattern(
        key="a",
        name="async-for",
        title="Async ORM: async for",
        url="/async/iterate",
        view="async_orm_iterate",
        explanation=(
            "Django's async ORM is not a native async driver: `async for` runs "
            "the whole sync fetch in one sync_to_async(thread_sensitive=True) hop "
            "on the request's worker thread, then yields from the cache; it does "
            "not stream. The loop is free of the query, not of the GIL: while "
            "the worker builds model instances (and collects garbage) the loop "
            "waits to run, starved. The loop thread then iterates the cache itself "
            "and frees every instance when the view returns: work of its own, on "
            "the loop, that grows with the rows."
        ),
    ),
    Pattern(
        key="i",
        name="async-stream",
        title="Async ORM: aiterator(chunk_size=2000)",
        url="/async/stream",
        view="async_orm_stream",
        explanation=(
            "aiterator() is the async ORM's streaming form: it hops to the "
            "request's worker thread once per chunk of 2,000 rows and yields each "
            "chunk as it comes (the run counts the hops). Memory stays flat only "
            "while the rows really stream: on SQLite, and on PostgreSQL with "
            "server-side cursors, not with DISABLE_SERVER_SIDE_CURSORS (as behind "
            "PgBouncer's transaction pooling). Every hop costs a round trip "
            "through the loop, and building each chunk's models still holds the "
            "GIL: the loop is starved in slices. SQLite reads it all as one "
            "statement, so simulated latency is charged once; on PostgreSQL each "
            "chunk is a FETCH round trip."
        ),
    ),
    Pattern(
        key="e",
        name="async-get-count",
        title="Async ORM: acount / afirst / aget",
        url="/async/get-count",
        view="async_orm_get_count",
        explanation=(
            "Each a* method (acount, afirst, aget, asave...) is one sync_to_async "
            "call: a hop to the request's worker thread and back. Small queries "
            "cost a thread hop each, cheap but not free."
        ),
    ),
    Pattern(
        key="t",
        name="sync-to-async",
        title="sync_to_async(fetch_all_books)",
        url="/async/sync-to-async",
        view="sync_to_async_fetch",
        helpers=("fetch_all_books",),
        explanation=(
            "Wrapping your own sync ORM function in sync_to_async is what the "
            "async ORM does internally: it runs on the request's one worker "
            "thread and connection (thread_sensitive=True). Off the loop's thread "
            "is not off the GIL: while that thread builds model instances the "
            "loop is starved."
        ),
    ),
    Pattern(
        key="v",
        name="sync-view",
        title="Plain sync view over ASGI",
        url="/sync/view",
        view="sync_view",
        explanation=(
            "A plain def view under ASGI does not raise, and its code never runs "
            "on the loop's thread: Django runs the whole view in the request's "
            "worker thread (its ThreadSensitiveContext). Off the loop is not "
            "free: while that thread builds model instances it holds the GIL, "
            "and the loop is starved just as with the async ORM."
        ),
    ),
)
"""Calibration, the guard, and the async ORM's ways of fetching all the books."""

AFTER_NATIVE: tuple[Pattern, ...] = (
    Pattern(
        key="n",
        name="n-plus-one",
        title="N+1 with the async ORM",
        url="/n-plus-one",
        view="n_plus_one",
        explanation=(
            "One query for the books, then one aget per author and one fetch per "
            "book's reviews: 2N+1 queries, each a thread hop and, with simulated "
            "latency, a network round trip."
        ),
    ),
    Pattern(
        key="p",
        name="prefetched",
        title="select_related + prefetch_related",
        url="/prefetched",
        view="prefetched",
        explanation=(
            "The same data in two queries: select_related joins the authors, "
            "prefetch_related fetches all the reviews at once."
        ),
    ),
    Pattern(
        key="g",
        name="gather-orm",
        title="gather() 5 async-ORM queries, 1 view",
        url="/gather/orm?n=5",
        view="gather_orm",
        explanation=(
            "asyncio.gather over five acount() calls in one view does not run "
            "them in parallel: every a* call of a request goes to that request's "
            "single worker thread and connection, so they queue one after another."
        ),
    ),
)
"""N+1 against prefetch, and the async ORM's gather."""
