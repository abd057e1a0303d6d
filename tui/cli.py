"""Command-line parsing and the entry point of ``python -m tui`` / ``loopbeat``."""

import argparse
import sys
from collections.abc import Sequence

from demoapp.dbpath import default_db_path, resolve_db_path

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``python -m tui``."""
    parser = argparse.ArgumentParser(
        prog="loopbeat",
        description=(
            "Show, live, what blocking does to an asyncio event loop: a Django "
            "demo app runs in-process and each key fires a database fetch "
            "written in a different style."
        ),
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=f"SQLite database (default: $LOOPBEAT_DB or {default_db_path()})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="configure Django, print the database path and row counts, and exit",
    )
    return parser


def run_check(db_arg: str | None) -> int:
    """``--check``: report on the database without changing it."""
    from demoapp.health import inspect_database

    path = resolve_db_path(db_arg)
    status = inspect_database(path)
    print(f"database: {path}")
    if not status.ready:
        print(f"problem:  {status.problem}; fix: {status.fix}")
        return 1
    from demoapp.bootstrap import configure_django

    configure_django(path)
    from django.db import connection

    print(f"django:   {connection.vendor} via {connection.settings_dict['ENGINE']}")
    for table, count in status.rows.items():
        print(f"{table + ':':<9} {count:,}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run; returns the exit status."""
    args = build_parser().parse_args(argv)
    return run_check(args.db)


if __name__ == "__main__":
    sys.exit(main())
