"""The demo's side of the command line: its database, checked or created.

``python -m tui`` with no project runs the demo: its database is found
(``--db``, ``$LOOPBEAT_DB`` or the per-user default), checked, and seeded on
the first start; ``--check`` reports on it and on the machine.
"""

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from demoapp.dburl import Database, DatabaseURLError, database_source, resolve_database
from tui.cli_args import default_specs, working_directory
from tui.cli_live import EXIT_USAGE, run_live
from tui.instrument.printable import printable
from tui.lessons.demo import demo_target
from tui.lessons.patterns import catalog

if TYPE_CHECKING:
    from demoapp.health import DatabaseStatus as Status


def inspect(database: Database, source: str, count_rows: bool = True) -> "Status":
    """The database's state, on either backend (read-only)."""
    if database.is_postgres:
        from demoapp.pghealth import inspect_postgres

        return inspect_postgres(database, count_rows=count_rows, source=source)
    from demoapp.health import inspect_database

    assert database.path is not None
    return inspect_database(database.path, count_rows=count_rows, source=source)


def run_check(database: Database | Path, source: str = "--db") -> int:
    """``--check``: report on the database without changing it.

    ``source`` is where it came from (``database_source``), for advice.
    """
    from demoapp.bootstrap import as_database

    database = as_database(database)
    status = inspect(database, source)
    print(f"database: {printable(database.masked)}")
    if not status.ready:
        print(printable(f"problem:  {status.problem}; fix: {status.fix}"))
        return 1
    from demoapp.bootstrap import configure_django

    configure_django(database)
    from django.db import connection

    print(f"django:   {connection.vendor} via {connection.settings_dict['ENGINE']}")
    if database.is_postgres:
        from demoapp.pghealth import server_version

        print(f"server:   PostgreSQL {server_version(database) or 'version unknown'}")
    for table, count in status.rows.items():
        print(f"{table + ':':<9} {count:,}")
    print(f"machine:  {asyncio.run(_noise(database))}")
    return 0


async def _noise(path: Path | Database) -> str:
    """The noise check's sentence, on a bench of its own."""
    from tui.engine.bench import Bench
    from tui.engine.noise import measure_noise
    from tui.instrument.archive import ArchiveUnavailable

    try:
        async with Bench(demo_target(path)) as bench:
            report = await measure_noise(bench)
    except ArchiveUnavailable as error:
        return f"not measured: {error}"
    # Nobody else runs anything on this bench, so it is always measured.
    return report.sentence() if report is not None else "not measured"


def prepare_database(database: Database | Path, source: str = "--db") -> str | None:
    """Make sure ``database`` is usable by the demo, seeding a missing file.

    Returns an error message for the user, or None when ready. Never modifies
    an existing file, and never seeds a PostgreSQL server by itself (its
    message gives the ``seed.py`` command). ``source`` is where it came from.
    """
    from demoapp.bootstrap import as_database

    database = as_database(database)
    status = inspect(database, source, count_rows=False)
    if status.ready:
        return None
    if status.exists:
        return f"{database.masked}: {status.problem}. Fix: {status.fix}"
    path = database.path
    assert path is not None  # only a SQLite file can be missing
    from demoapp.bootstrap import configure_django
    from demoapp.seed_cli import seed_with_progress
    from demoapp.seeding import SeedError, SeedSizes

    print(
        f"First run: creating the demo database at {printable(str(path))}",
        file=sys.stderr,
    )
    configure_django(path)
    try:
        summary = seed_with_progress(path, SeedSizes())
    except SeedError as error:
        return str(error)
    print(summary.line(), file=sys.stderr)
    return None


def run_demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """The demo: its database checked or created, then headless or live."""
    try:
        database = resolve_database(args.db)
    except OSError:  # a relative path, and the current directory is gone
        parser.error("the current directory is gone; give --database an absolute path")
    except DatabaseURLError as error:
        parser.error(printable(str(error)))
    source = database_source(args.db)
    if args.check:
        return run_check(database, source)
    try:
        problem = prepare_database(database, source)
    except KeyboardInterrupt:
        print("loopbeat: interrupted", file=sys.stderr)
        return 130
    if problem:
        print(f"loopbeat: error: {printable(problem)}", file=sys.stderr)
        return EXIT_USAGE

    if args.headless:
        from tui.output.report import run_headless

        export_dir = None
        if args.export:
            export_dir = args.export_dir or working_directory()
            if export_dir is None:
                parser.error("the current directory is gone; give --export-dir DIR")
            if not os.access(export_dir, os.W_OK):
                parser.error(printable(f"--export-dir: cannot write to {export_dir}"))
        from tui.leaving import leave_now

        patterns = catalog(database.backend)
        specs = [patterns.rebind(spec) for spec in args.patterns or ()]
        code = run_headless(
            specs or default_specs(patterns),
            args.repeat,
            args.interval / 1000,
            demo_target(database),
            args.json,
            export_dir,
            latency_ms=args.latency_ms,
        )
        leave_now(code)  # requests abandoned by Ctrl+C must not hold the exit
        return code
    return run_live(
        demo_target(database),
        args,
        catalog=catalog(database.backend),
        tour_path=args.tour_file,
        start_tour=args.tour,
    )
