"""Seeding the demo into PostgreSQL: the SQLite seeder's rows, by ``COPY``.

The tables live in a schema of their own (``loopbeat``), so a database given
to the demo keeps whatever else it holds. A seed builds a fresh schema
(``loopbeat_build``: the committed migrations, then the rows through
``COPY``) and swaps it in with one transaction, so an interrupted or failed
seed leaves the demo's previous tables exactly as they were. An advisory
lock keeps a second seeder of the same database out.
"""

import time
from contextlib import ExitStack, suppress
from typing import Any

from demoapp.dburl import SCHEMA, Database
from demoapp.interrupts import SignalGuard
from demoapp.seeding import (
    BATCH,
    COLUMNS,
    ProgressCallback,
    SeedSizes,
    SeedSummary,
    table_rows,
)
from demoapp.seedtarget import SeedError

BUILD_SCHEMA = f"{SCHEMA}_build"
LOCK_KEY = 0x6C6F6F70  # "loop": the advisory lock seeders of one database share
TABLES = ("author", "book", "review")


def connect(database: Database, schema: str = SCHEMA) -> Any:
    """A psycopg connection, errors said as ``SeedError`` in the server's words.

    Raises:
        SeedError: psycopg is not installed, or the server refused or cannot
            be reached (within ``dburl.CONNECT_TIMEOUT``).
    """
    psycopg = import_psycopg()
    try:
        return psycopg.connect(**database.connect_params(schema))
    except psycopg.Error as error:
        raise SeedError(server_said(database, error)) from None


def import_psycopg() -> Any:
    """psycopg, or a ``SeedError`` naming the extra that installs it."""
    try:
        import psycopg
    except ImportError:
        raise SeedError(
            'PostgreSQL needs psycopg: pip install -e ".[postgres]"'
        ) from None
    return psycopg


def server_said(database: Database, error: BaseException) -> str:
    """A driver's error as one line, the password masked."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return database.mask(" / ".join(lines) or type(error).__name__)


def seeded_tables(connection: Any, schema: str = SCHEMA) -> set[str]:
    """The demo's tables that exist in ``schema``."""
    rows = connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        (schema,),
    ).fetchall()
    return {name for (name,) in rows}


def build_postgres(
    database: Database,
    sizes: SeedSizes,
    *,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> SeedSummary:
    """Seed ``database`` atomically, as ``seeding.build_database`` does a file.

    Django must be set up (the schema comes from the committed migrations).

    Raises:
        SeedError: bad sizes, a server that refused, another seeder at work,
            or demo tables already there without ``force``.
        SeedInterrupted: SIGTERM or SIGHUP arrived; the previous tables are
            left as they were.
    """
    sizes.validate()
    started = time.perf_counter()
    progress = progress or (lambda *_: None)
    with ExitStack() as stack:
        guard = stack.enter_context(SignalGuard())
        connection = stack.enter_context(connect(database))
        connection.autocommit = True
        locked = connection.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
        if not locked.fetchone()[0]:
            raise SeedError(
                f"another seeder is already building {database.masked};"
                " wait for it to finish"
            )
        if seeded_tables(connection) and not force:
            raise SeedError(
                f"{database.masked} already holds the demo (schema {SCHEMA});"
                " pass --force to replace it"
            )
        psycopg = import_psycopg()
        try:
            _build(database, connection, sizes, progress)
            guard.defer()  # complete: a signal now waits until it is swapped in
            with connection.transaction():
                connection.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
                connection.execute(f"ALTER SCHEMA {BUILD_SCHEMA} RENAME TO {SCHEMA}")
            size = connection.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind = 'r'",
                (SCHEMA,),
            ).fetchone()[0]
        except psycopg.Error as error:
            raise SeedError(
                f"could not seed {database.masked}: {server_said(database, error)}"
            ) from None
        finally:
            guard.defer()  # a second signal must not cut the cleanup short
            _drop_build_schema(connection)
    return SeedSummary(
        where=f"{database.masked} (schema {SCHEMA})",
        rows={"authors": sizes.authors, "books": sizes.books, "reviews": sizes.reviews},
        seconds=time.perf_counter() - started,
        size_bytes=int(size or 0),
    )


def _build(
    database: Database, connection: Any, sizes: SeedSizes, progress: ProgressCallback
) -> None:
    # Left by a seeder that died: nobody else is building (the lock is ours).
    connection.execute(f"DROP SCHEMA IF EXISTS {BUILD_SCHEMA} CASCADE")
    connection.execute(f"CREATE SCHEMA {BUILD_SCHEMA}")
    _migrate(database)
    with connection.transaction():
        for table, rows, total in table_rows(sizes):
            _copy(connection, table, rows, total, progress)
        for table in TABLES:
            qualified = f"{BUILD_SCHEMA}.demoapp_{table}"
            # COPY gave the ids; the identity must go on after the last one.
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'),"
                f" coalesce((SELECT max(id) FROM {qualified}), 0) + 1, false)",
                (qualified,),
            )
    for table in TABLES:
        connection.execute(f"ANALYZE {BUILD_SCHEMA}.demoapp_{table}")


def _copy(
    connection: Any,
    table: str,
    rows: Any,
    total: int,
    progress: ProgressCallback,
) -> None:
    columns = ", ".join(COLUMNS[table])
    statement = f"COPY {BUILD_SCHEMA}.demoapp_{table} ({columns}) FROM STDIN"
    done = 0
    progress(table, 0, total)
    with connection.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            done += 1
            if done % BATCH == 0:
                progress(table, done, total)
    progress(table, done, total)


def _migrate(database: Database) -> None:
    """Apply the committed migrations inside the build schema, as ``migrate``
    would, on a connection alias of its own (the recorder looks it up)."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    alias = "loopbeat_seeding"
    settings = database.django_settings(schema=BUILD_SCHEMA)
    configured = connections.configure_settings({"default": settings, alias: settings})
    connections.settings[alias] = configured[alias]
    try:
        executor = MigrationExecutor(connections[alias])
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


def _drop_build_schema(connection: Any) -> None:
    """Best effort: a failed build's schema goes; the next seed drops it anyway."""
    with suppress(Exception):
        if connection.info.transaction_status != 0:  # not idle: end it first
            connection.rollback()
        connection.execute(f"DROP SCHEMA IF EXISTS {BUILD_SCHEMA} CASCADE")
