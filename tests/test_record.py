"""A request's record is written from many threads and read whole."""

import threading

from tui.engine.record import (
    DJANGO,
    SYNC_TO_ASYNC,
    VIEW,
    Hop,
    RequestRecorder,
    Statement,
)


def test_statements_from_many_threads_at_once_are_all_kept() -> None:
    # aiosqlite runs a thread per connection: a gather over twenty of them
    # notes statements all at once. The quiz explains with this count.
    recorder = RequestRecorder(0.0)
    start = threading.Barrier(20)

    def note() -> None:
        start.wait()
        for _ in range(2000):
            recorder.statement(Statement(threading.current_thread().name, 0.0, 0.0))

    threads = [threading.Thread(target=note) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    record = recorder.freeze()
    assert record.queries == 40_000
    assert len(record.query_threads) == 20


def test_a_frozen_record_does_not_change_afterwards() -> None:
    recorder = RequestRecorder(0.02)
    recorder.hop(Hop(SYNC_TO_ASYNC, "request_started", DJANGO))
    recorder.hop(Hop(SYNC_TO_ASYNC, "QuerySet._fetch_all", VIEW))
    frozen = recorder.freeze()
    recorder.statement(Statement("w", 0.03, 0.02, rows=5))
    assert frozen.queries == 0 and frozen.view_hops == 1 and len(frozen.hops) == 2
    assert recorder.freeze().rows == 5


def test_rows_are_unknown_unless_every_statement_says() -> None:
    recorder = RequestRecorder()
    recorder.statement(Statement("w", 0.0, 0.0, rows=3))
    recorder.statement(Statement("w", 0.0, 0.0))  # SQLite says nothing
    assert recorder.freeze().rows is None
