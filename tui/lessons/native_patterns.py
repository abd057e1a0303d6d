"""The native-driver patterns, one set per backend: the same names and keys.

On SQLite they use aiosqlite (``demoapp/native_sqlite.py``), on PostgreSQL
psycopg's async connections (``demoapp/native_postgres.py``). The two drivers
are opposite shapes, so each set explains its own driver, from its source:

* aiosqlite runs the ordinary ``sqlite3`` module on a thread per connection
  (``aiosqlite/core.py``: ``Connection`` is a ``Thread``, fed by a queue);
* psycopg's ``AsyncConnection`` has no thread: it waits on the socket from
  the loop (``psycopg/waiting.py``, ``wait_async``: ``loop.add_reader``) and
  turns the rows into tuples on the loop's thread (``load_rows``; ``stream``
  a row at a time, ``load_row``), one statement per connection at a time
  (the connection's ``lock``).

No text here gives a figure or says which way a run will go: what each run
measured (the cause, the threads, the overlap) is the run's own to say.
"""

from tui.lessons.pattern import Pattern

SQLITE: tuple[Pattern, ...] = (
    Pattern(
        key="d",
        name="native-driver",
        title="aiosqlite: sqlite3 on a thread",
        url="/native",
        view="native_driver",
        module="native_sqlite",
        explanation=(
            "aiosqlite is the ordinary sqlite3 module run on a thread of its own "
            "per connection, driven from the loop through a queue. The gain is "
            "plain tuples instead of model instances: far less Python work under "
            "the GIL, so the fetch is faster and the loop is starved far less. The "
            "loop thread still frees every tuple when the view returns. Not every "
            "async driver is shaped so: psycopg's AsyncConnection and asyncpg wait "
            "on the socket from the loop and decode the rows on the loop thread "
            "(run the demo on PostgreSQL to see it)."
        ),
    ),
    Pattern(
        key="k",
        name="native-chunked",
        title="aiosqlite: fetchmany(2000)",
        url="/native/chunked",
        view="native_chunked",
        module="native_sqlite",
        explanation=(
            "The same rows in slices: each fetchmany(2000) is one trip to the "
            "connection's thread, which builds 2,000 tuples and hands them back. "
            "Between slices the loop runs whatever is waiting. SQLite runs the "
            "query once and steps through it, so the simulated latency is "
            "charged once, on the statement, not per slice."
        ),
    ),
)

POSTGRESQL: tuple[Pattern, ...] = (
    Pattern(
        key="d",
        name="native-driver",
        title="psycopg async: fetchall() on the loop",
        url="/native",
        view="native_driver",
        module="native_postgres",
        explanation=(
            "psycopg's AsyncConnection has no thread: it waits for the server on "
            "the socket from the loop itself, as any awaited I/O, and that wait "
            "costs the loop nothing. Then it turns every row into a tuple on the "
            "loop's own thread (in C with psycopg[binary], else in Python): work "
            "the loop does itself, growing with the "
            "rows, which freezes it (no other request, no heartbeat) once the "
            "result is large enough. Not starved by another thread, as with "
            "Django's async ORM: the loop working. aiosqlite is the "
            "opposite shape (sqlite3 on a thread); asyncpg is this one."
        ),
    ),
    Pattern(
        key="k",
        name="native-chunked",
        title="psycopg async: stream(size=2000)",
        url="/native/chunked",
        view="native_chunked",
        module="native_postgres",
        explanation=(
            "stream() sends the query once and takes the rows as the server "
            "sends them, 2,000 at a time, turning each row into a tuple as the "
            "view asks for it: the same work on the loop's own thread as "
            "fetchall(), cut into short slices, with the loop free between them "
            "to serve other requests. The loop still does all of it: over the "
            "run it is frozen about as long in all, just never for long at once. "
            "Watch the longest stall and the ping, not the total. One statement, "
            "so one simulated round trip."
        ),
    ),
)
"""Replacing ``d`` and adding ``k``; ``h`` and ``j`` come after the ORM's gather."""

SQLITE_GATHERS: tuple[Pattern, ...] = (
    Pattern(
        key="h",
        name="gather-native",
        title="gather() 5 aiosqlite connections",
        url="/gather/native?n=5",
        view="gather_native",
        helpers=("count_genre_native",),
        module="native_sqlite",
        explanation=(
            "The same five counts, each over a fresh aiosqlite connection with a "
            "thread of its own: their waits overlap (a network round trip, here "
            "the simulated latency), so with latency five take little longer "
            "than one. The scans are CPU work: SQLite releases the GIL while it "
            "scans, but they overlap only on free cores and warm connections, and "
            "a fresh connection per count costs a thread and a file open each: "
            "without latency they need not overlap at all."
        ),
    ),
    Pattern(
        key="j",
        name="gather-shared",
        title="gather() 5 counts, 1 aiosqlite connection",
        url="/gather/shared?n=5",
        view="gather_shared",
        helpers=("count_genre_on",),
        module="native_sqlite",
        explanation=(
            "The same five counts gathered over one aiosqlite connection: it has "
            "one thread and one queue, so the counts run one after another, and "
            "with latency each waits its own round trip in turn. gather() starts "
            "them together; the connection decides they take turns."
        ),
    ),
)

POSTGRESQL_GATHERS: tuple[Pattern, ...] = (
    Pattern(
        key="h",
        name="gather-native",
        title="gather() 5 counts over a psycopg pool",
        url="/gather/native?n=5",
        view="gather_native",
        helpers=("count_genre_pooled",),
        module="native_postgres",
        explanation=(
            "psycopg-pool's AsyncConnectionPool lends each count a connection of "
            "its own (five stay open after the first use), so the five queries "
            "are at the server together: their waits overlap, and with latency "
            "five take little longer than one. No thread is involved: the loop "
            "waits on five sockets at once, and decodes each small answer itself."
        ),
    ),
    Pattern(
        key="j",
        name="gather-shared",
        title="gather() 5 counts, 1 psycopg connection",
        url="/gather/shared?n=5",
        view="gather_shared",
        helpers=("count_genre_on",),
        module="native_postgres",
        explanation=(
            "The same five counts gathered over one AsyncConnection: a psycopg "
            "connection carries one statement at a time (each execute holds the "
            "connection's lock), so the others wait their turn, and with latency "
            "the round trips come one after another. asyncpg does not queue: it "
            "raises InterfaceError (another operation is in progress)."
        ),
    ),
)
