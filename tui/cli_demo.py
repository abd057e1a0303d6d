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

from demoapp.dbpath import db_path_source, resolve_db_path
from tui.cli_args import default_specs, working_directory
from tui.cli_live import EXIT_USAGE, run_live
from tui.instrument.printable import printable
from tui.lessons.demo import demo_target


def run_check(path: Path, source: str = "--db") -> int:
    """``--check``: report on the database without changing it.

    ``source`` is where the path came from (``db_path_source``), for advice.
    """
    from demoapp.health import inspect_database

    status = inspect_database(path, source=source)
    print(f"database: {printable(str(path))}")
    if not status.ready:
        print(printable(f"problem:  {status.problem}; fix: {status.fix}"))
        return 1
    from demoapp.bootstrap import configure_django

    configure_django(path)
    from django.db import connection

    print(f"django:   {connection.vendor} via {connection.settings_dict['ENGINE']}")
    for table, count in status.rows.items():
        print(f"{table + ':':<9} {count:,}")
    print(f"machine:  {asyncio.run(_noise(path))}")
    return 0


async def _noise(path: Path) -> str:
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


def prepare_database(path: Path, source: str = "--db") -> str | None:
    """Make sure ``path`` is a usable demo database, seeding it if missing.

    Returns an error message for the user, or None when ready. Never modifies
    an existing file. ``source`` is where the path came from, for advice.
    """
    from demoapp.health import inspect_database

    status = inspect_database(path, count_rows=False, source=source)
    if status.ready:
        return None
    if status.exists:
        return f"{path}: {status.problem}. Fix: {status.fix}"
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
        db_path = resolve_db_path(args.db)
    except OSError:  # a relative path, and the current directory is gone
        parser.error("the current directory is gone; give --db an absolute path")
    source = db_path_source(args.db)
    if args.check:
        return run_check(db_path, source)
    try:
        problem = prepare_database(db_path, source)
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

        code = run_headless(
            args.patterns or default_specs(),
            args.repeat,
            args.interval / 1000,
            demo_target(db_path),
            args.json,
            export_dir,
            latency_ms=args.latency_ms,
        )
        leave_now(code)  # requests abandoned by Ctrl+C must not hold the exit
        return code
    from tui.lessons.patterns import PATTERNS

    return run_live(
        demo_target(db_path),
        args,
        catalog=PATTERNS,
        tour_path=args.tour_file,
        start_tour=args.tour,
    )
