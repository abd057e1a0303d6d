"""The ``seed.py`` command line: argument checking, a progress bar, a summary."""

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TimeElapsedColumn,
)

from demoapp.bootstrap import as_database
from demoapp.dbpath import default_db_path
from demoapp.dburl import (
    URL_ENV_VAR,
    Database,
    DatabaseURLError,
    database_source,
    resolve_database,
)
from demoapp.interrupts import SeedInterrupted, interrupt_after
from demoapp.seeding import (
    SeedError,
    SeedSizes,
    SeedSummary,
    build_database,
    check_target,
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (shared with ``--help`` output in the README)."""
    defaults = SeedSizes()
    parser = argparse.ArgumentParser(
        prog="seed.py",
        description="Create the loopbeat demo database (authors, books, reviews).",
    )
    parser.add_argument(
        "--database",
        "--db",
        dest="db",
        metavar="URL",
        help=(
            "a SQLite file path or a postgresql://USER:PASSWORD@HOST:PORT/DB URL"
            f" (default: ${URL_ENV_VAR}, $LOOPBEAT_DB or {default_db_path()})"
        ),
    )
    for table in ("authors", "books", "reviews"):
        parser.add_argument(
            f"--{table}",
            type=int,
            metavar="N",
            default=getattr(defaults, table),
            help=f"rows of {table} (default: {getattr(defaults, table):,})",
        )
    parser.add_argument(
        "--seed", type=int, default=defaults.seed, help="random seed (default: 42)"
    )
    parser.add_argument(
        "--force", action="store_true", help="replace an existing database"
    )
    return parser


def seed_with_progress(
    target: Path | Database,
    sizes: SeedSizes,
    *,
    force: bool = False,
    console: Console | None = None,
) -> SeedSummary:
    """Build the database showing a rich progress bar, one line per table.

    ``target`` is a SQLite file's path, or a ``Database`` (either backend).
    """
    console = console or Console(stderr=True)
    columns = (
        "[progress.description]{task.description:<8}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(table, total=total or 1)
            progress.update(tasks[table], completed=done if total else 1)

        database = as_database(target)
        if database.is_postgres:
            from demoapp.pgseeding import build_postgres

            return build_postgres(database, sizes, force=force, progress=on_progress)
        assert database.path is not None
        return build_database(database.path, sizes, force=force, progress=on_progress)


def main(argv: list[str] | None = None) -> int:
    """Run ``seed.py``.

    Args:
        argv: The arguments, without the program name; None for ``sys.argv``.

    Returns:
        The exit status: 0, 2 for a refusal, 130 for Ctrl+C, 128 + the signal
        number for SIGTERM or SIGHUP.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    sizes = SeedSizes(args.authors, args.books, args.reviews, args.seed)
    try:
        database = resolve_database(args.db)
    except OSError:  # a relative path, and the current directory is gone
        print(
            "seed.py: error: the current directory is gone;"
            " give --database an absolute path",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except DatabaseURLError as error:
        print(f"seed.py: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    source = database_source(args.db)
    came = f" ({source} names it)" if source not in ("--database", "default") else ""
    target = database.masked
    try:
        sizes.validate()
        if database.path is not None:  # before the progress bar takes the screen
            check_target(database.path, args.force)
        with interrupt_after():  # Django's imports must not wrap a Ctrl+C
            from demoapp.bootstrap import configure_django

            configure_django(database)
        summary = seed_with_progress(database, sizes, force=args.force)
    except SeedError as error:
        print(f"seed.py: error: {error}{came}", file=sys.stderr)
        return EXIT_USAGE
    except SeedInterrupted as stop:
        # The shell convention for "killed by signal N", now that it did not kill.
        print(
            f"seed.py: stopped by {stop.name}; {target} left as it was", file=sys.stderr
        )
        return 128 + stop.signum
    except KeyboardInterrupt:
        print(f"seed.py: interrupted; {target} left as it was", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(summary.line())
    return 0
