"""The quiz's questions: each names the runs that settle it and how to judge them.

Kept apart from the quiz's logic (``tui.lessons.quiz``) the way ``tui.lessons.patterns``
holds the pattern catalog: adding a question touches only this file.
"""

from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.engine.verdicts import STARVED
from tui.instrument.formatting import format_seconds
from tui.lessons.patterns import find
from tui.lessons.quiz import (
    GUARD_ERROR,
    OVERLAP_OUTCOMES,
    RATIO_BANDS,
    RATIO_CHOICES,
    CannotJudge,
    Question,
    Results,
    explain_ratio,
    judge_ratio,
    on_threads,
    one_query_thread,
    plural,
    raised_guard,
    ratio_bands,
    succeeded,
)


def run(
    name: str, burst: int = 1, latency_ms: float = 0.0, query: str | None = None
) -> RunSpec:
    """A question's run: self-contained, so its latency is always its own."""
    return RunSpec.of(find(name), burst, latency_ms, query)


# Sync ORM in an async view.
FREEZES, RAISES, WORKS = 0, 1, 2


LOOP_THREAD_NAME = "MainThread"
"""The thread the event loop runs on, in the app and in headless mode."""


def _outcome(results: Results, *, raised: int, on_loop: int, off_loop: int) -> int:
    """The choice for what one run did, by structure, never by timing.

    It raised the guard; or the view's code or its queries ran on the loop's
    own thread (so they held the loop); or they ran on another thread.
    """
    (result,) = results
    if raised_guard(result):
        return raised
    succeeded(results)
    threads = {*result.view_threads, *result.query_threads}
    return on_loop if LOOP_THREAD_NAME in threads else off_loop


def _judge_sync_orm(results: Results) -> int:
    return _outcome(results, raised=RAISES, on_loop=FREEZES, off_loop=WORKS)


def _explain_sync_orm(results: Results) -> str:
    (result,) = results
    wall, lag = format_seconds(result.wall), format_seconds(result.loop_max_lag)
    if raised_guard(result):
        return (
            f"Django raised {GUARD_ERROR} after {wall}, worst loop lag {lag}: "
            "the guard refuses a cursor on the loop's thread, connection open or not"
        )
    succeeded(results)
    if result.froze_loop:
        return f"it {result.judgement.text}; the run took {wall}"
    return f"it ran in {wall} and the loop kept beating (worst lag {lag})"


SYNC_ORM_IN_ASYNC_VIEW = Question(
    topic="Sync ORM in an async view",
    prompt="An async view calls the sync ORM: list(Book.objects.all()). What happens?",
    choices=(
        "It blocks the event loop until the query is done",
        "Django raises SynchronousOnlyOperation",
        "It just works, and the loop keeps beating",
    ),
    specs=(run("sync-guarded"),),
    judge=_judge_sync_orm,
    explain=_explain_sync_orm,
)


# Where the async ORM runs its query.
LOOP_THREAD, ONE_WORKER, MANY_THREADS = 0, 1, 2


def _loop_threads(result: RunResult) -> set[str]:
    # An async view's own code runs on the loop's thread.
    return set(result.view_threads) or {LOOP_THREAD_NAME}


def _judge_orm_threads(results: Results) -> int:
    result = one_query_thread(results)
    if _loop_threads(result) & set(result.query_threads):
        return LOOP_THREAD
    return ONE_WORKER if len(result.query_threads) == 1 else MANY_THREADS


def _explain_orm_threads(results: Results) -> str:
    result = one_query_thread(results)
    return (
        f"{result.rows:,} rows, {plural(result.queries, 'query', 'queries')} "
        f"{on_threads(result.query_threads)}, while the view itself ran on "
        f"{', '.join(sorted(_loop_threads(result)))}, the loop's thread"
    )


ASYNC_ORM_THREADS = Question(
    topic="Where the async ORM runs",
    prompt="An async view runs `async for book in Book.objects.all()`. "
    "Where does the query run?",
    choices=(
        "On the event loop's own thread",
        "On one worker thread",
        "Spread over several worker threads",
    ),
    specs=(run("async-for"),),
    judge=_judge_orm_threads,
    explain=_explain_orm_threads,
)


GATHER_ORM = Question(
    topic="gather() over the async ORM",
    prompt="One view gathers five acount() queries with asyncio.gather, with "
    "network latency. Compared with one query, the view takes...",
    choices=RATIO_CHOICES,
    specs=(
        run("gather-orm", latency_ms=50, query="n=1"),
        run("gather-orm", latency_ms=50, query="n=5"),
    ),
    judge=judge_ratio,
    bands=RATIO_BANDS,
    repeat=3,
    explain=explain_ratio(
        lambda r: plural(r.queries, "gathered query", "gathered queries"),
        "one query",
        ("they overlapped", "they partly overlapped", "they ran one after another"),
    ),
)


CONCURRENT_REQUESTS = Question(
    topic="Concurrent requests",
    prompt="Five users load a view with a few async-ORM queries at the same "
    "moment, with network latency. Compared with one user alone, they take...",
    choices=RATIO_CHOICES,
    specs=(
        run("async-get-count", latency_ms=50),
        run("async-get-count", burst=5, latency_ms=50),
    ),
    judge=judge_ratio,
    bands=RATIO_BANDS,
    repeat=3,
    explain=explain_ratio(
        lambda r: plural(r.burst, "concurrent request", "concurrent requests"),
        "one request",
        OVERLAP_OUTCOMES,
    ),
)


GATHER_NATIVE = Question(
    topic="A native async driver",
    prompt="The same five counts gathered, but each over its own aiosqlite "
    "connection, with network latency. Compared with one count, they take...",
    choices=RATIO_CHOICES,
    specs=(
        run("gather-native", latency_ms=50, query="n=1"),
        run("gather-native", latency_ms=50, query="n=5"),
    ),
    judge=judge_ratio,
    bands=RATIO_BANDS,
    repeat=3,
    explain=explain_ratio(
        lambda r: plural(r.queries, "gathered count", "gathered counts"),
        "one count",
        OVERLAP_OUTCOMES,
    ),
)


CPU_BOUND_BURST = Question(
    topic="CPU-bound work and the GIL",
    prompt="Five users at once load the view that turns every book into a model "
    "instance (`async for`, no network latency). Each request has its own worker "
    "thread. Compared with one user, they take...",
    choices=ratio_bands(
        "the threads run in parallel",
        "they partly run in parallel",
        "one thread at a time holds the GIL; hand-offs and collections add more",
    ),
    specs=(run("async-for"), run("async-for", burst=5)),
    judge=judge_ratio,
    bands=RATIO_BANDS,
    repeat=2,
    explain=explain_ratio(
        lambda r: plural(r.burst, "concurrent request", "concurrent requests"),
        "one request",
        (
            "they ran in parallel",
            "they partly overlapped",
            "one at a time held the GIL",
        ),
    ),
)


# Does `async for` stream?
STREAMS, ONE_FETCH = 0, 1


def _judge_async_for(results: Results) -> int:
    # Counted hops decide, not statements: SQLite runs a chunked read as one
    # statement too, and only the hops tell one fetch from a stream.
    succeeded(results)
    async_for = results[0]
    if async_for.hops < 1:
        raise CannotJudge(f"{async_for.label} made no sync_to_async hop")
    return ONE_FETCH if async_for.hops == 1 else STREAMS


def _explain_async_for(results: Results) -> str:
    succeeded(results)
    async_for, *streamed = results
    how = (
        "one fetch, then it yielded from memory"
        if _judge_async_for(results) == ONE_FETCH
        else "fetched chunk by chunk"
    )
    text = (
        f"async for: {async_for.rows:,} rows in "
        f"{plural(async_for.hops, 'thread hop', 'thread hops')}: {how}"
    )
    for other in streamed:
        text += (
            f"; aiterator(chunk_size=2000): "
            f"{plural(other.hops, 'hop', 'hops')}, one per chunk"
        )
    return text


ASYNC_FOR_STREAMS = Question(
    topic="Does async for stream?",
    prompt="`async for book in Book.objects.all()`: do the rows stream in as "
    "the database produces them?",
    choices=(
        "Yes: rows arrive in batches, one fetch per batch",
        "No: one fetch loads every row, then it yields them from memory",
    ),
    specs=(run("async-for"), run("async-stream")),
    judge=_judge_async_for,
    explain=_explain_async_for,
)


# A plain sync view under ASGI.
SYNC_VIEW_RAISES, SYNC_VIEW_BLOCKS, SYNC_VIEW_IN_THREAD = 0, 1, 2


def _judge_sync_view(results: Results) -> int:
    return _outcome(
        results,
        raised=SYNC_VIEW_RAISES,
        on_loop=SYNC_VIEW_BLOCKS,
        off_loop=SYNC_VIEW_IN_THREAD,
    )


def _explain_sync_view(results: Results) -> str:
    (result,) = results
    if raised_guard(result):
        return f"Django raised {GUARD_ERROR} after {format_seconds(result.wall)}"
    succeeded(results)
    view = ", ".join(result.view_threads) or "an unknown thread"
    if result.query_threads and set(result.query_threads) == set(result.view_threads):
        where = f"the view and its queries ran on {view}"
    else:
        queries = on_threads(result.query_threads)
        where = f"the view ran on {view}, its queries {queries}"
    if LOOP_THREAD_NAME not in {*result.view_threads, *result.query_threads}:
        where = f"off the loop's thread: {where}"
    lag = format_seconds(result.loop_max_lag)
    # Both halves: a worker thread does not block the loop, and yet the loop
    # can wait for the GIL that worker holds. The room that voted "blocks"
    # saw the second half.
    judgement = result.judgement
    if judgement.kind == STARVED:
        felt = (
            f"and yet the loop {judgement.text} while that thread held it "
            f"(worst lag {lag})"
        )
    else:
        felt = f"and the loop {judgement.text.removeprefix('loop ')} (worst lag {lag})"
    if judgement.machine_busy is not None:
        felt += f"; machine busy {format_seconds(judgement.machine_busy)}"
    return f"{where}; {felt}"


SYNC_VIEW_UNDER_ASGI = Question(
    topic="A sync view under ASGI",
    prompt="A plain `def` view that uses the sync ORM, served by Django under "
    "ASGI. What happens?",
    choices=(
        "Django raises SynchronousOnlyOperation",
        "It blocks the event loop",
        "Django runs it in a worker thread, off the loop's thread",
    ),
    specs=(run("sync-view"),),
    judge=_judge_sync_view,
    explain=_explain_sync_view,
)


QUESTIONS: tuple[Question, ...] = (
    SYNC_ORM_IN_ASYNC_VIEW,
    SYNC_VIEW_UNDER_ASGI,
    ASYNC_ORM_THREADS,
    ASYNC_FOR_STREAMS,
    GATHER_ORM,
    CONCURRENT_REQUESTS,
    GATHER_NATIVE,
    CPU_BOUND_BURST,
)
