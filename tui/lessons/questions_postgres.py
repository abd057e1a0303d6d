"""The quiz on PostgreSQL: the same questions on the PostgreSQL catalog, and
two only its driver can answer.

The ORM questions are asked as on SQLite, their runs bound to the
PostgreSQL catalog; the native-driver question about aiosqlite becomes one
about a psycopg pool and one about the shared connection; and one asks the
question psycopg's async driver is about: which thread decodes the rows.
Every answer is judged from what the run recorded, by structure where it can.
"""

import dataclasses

from tui.engine.runs import RunSpec
from tui.lessons.patterns import POSTGRESQL, Catalog, catalog
from tui.lessons.questions import GATHER_NATIVE, LOOP_THREAD_NAME, QUESTIONS
from tui.lessons.quiz import (
    OVERLAP_OUTCOMES,
    RATIO_BANDS,
    RATIO_CHOICES,
    CannotJudge,
    Question,
    Results,
    explain_ratio,
    judge_ratio,
    on_threads,
    plural,
    succeeded,
)


def on_catalog(question: Question, patterns: Catalog) -> Question:
    """``question`` with each run's pattern taken from ``patterns``."""

    return dataclasses.replace(
        question, specs=tuple(map(patterns.rebind, question.specs))
    )


def _run(name: str, latency_ms: float = 0.0, query: str | None = None) -> RunSpec:
    return RunSpec.of(catalog(POSTGRESQL).find(name), 1, latency_ms, query)


GATHER_POOL = dataclasses.replace(
    GATHER_NATIVE,
    topic="gather() over a psycopg pool",
    prompt="The same five counts gathered, each on a connection lent by a "
    "psycopg-pool AsyncConnectionPool, with network latency. Compared with one "
    "count, they take...",
    specs=(
        _run("gather-native", 50, "n=1"),
        _run("gather-native", 50, "n=5"),
    ),
)


GATHER_SHARED = Question(
    topic="gather() on one psycopg connection",
    prompt="Now the five counts are gathered over one AsyncConnection, with "
    "network latency. Compared with one count, they take...",
    choices=RATIO_CHOICES,
    specs=(
        _run("gather-shared", 50, "n=1"),
        _run("gather-shared", 50, "n=5"),
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


# Which thread decodes psycopg's async rows?
WORKER, DRIVER_THREAD, LOOP = 0, 1, 2


def _judge_decoder(results: Results) -> int:
    succeeded(results)
    (result,) = results
    threads = set(result.query_threads)
    if not threads:
        raise CannotJudge(f"{result.label} recorded no statement")
    if LOOP_THREAD_NAME in threads:
        return LOOP
    # Django's worker threads are asgiref's executors' (ThreadPoolExecutor-N_M).
    if any("ThreadPoolExecutor" in name for name in threads):
        return WORKER
    return DRIVER_THREAD


def _explain_decoder(results: Results) -> str:
    succeeded(results)
    (result,) = results
    return (
        f"{result.rows:,} rows, {plural(result.queries, 'statement', 'statements')}"
        f" {on_threads(result.query_threads)}; verdict: {result.judgement.text}"
    )


PSYCOPG_DECODES = Question(
    topic="Where psycopg's async driver works",
    prompt="An async view fetches every book through psycopg's AsyncConnection "
    "(`await cursor.fetchall()`). Which thread waits for the server and turns "
    "the rows into tuples?",
    choices=(
        "A worker thread, as with Django's async ORM",
        "A thread of the driver's own, as aiosqlite has",
        "The event loop's own thread",
    ),
    specs=(_run("native-driver"),),
    judge=_judge_decoder,
    explain=_explain_decoder,
)


def postgres_questions() -> tuple[Question, ...]:
    """The quiz on PostgreSQL, in the order it is asked."""
    patterns = catalog(POSTGRESQL)
    asked = []
    for question in QUESTIONS:
        if question is GATHER_NATIVE:
            asked += [PSYCOPG_DECODES, GATHER_POOL, GATHER_SHARED]
        else:
            asked.append(on_catalog(question, patterns))
    return tuple(asked)
