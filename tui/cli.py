"""Command-line parsing and the entry point of ``python -m tui`` / ``loopbeat``."""

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from demoapp.dbpath import db_path_source, default_db_path, resolve_db_path
from tui.engine.runs import MAX_BURST, MAX_LATENCY_MS, RunSpec, SpecError
from tui.instrument.printable import printable
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS, find
from tui.ui.themes import THEME_NAMES

EXIT_USAGE = 2
QUIT_DEADLINE = 1.4
"""Seconds from quitting (a key, a signal, a closed terminal) to the process
ending, whatever is stuck: a closed terminal can block Textual's writer.
An orderly quit takes under 1 s even just after a freeze; the forced end
itself takes up to 0.1 s more, and a loaded machine more again (1.8 s here
ended closed terminals at 1.83-1.90 s, too near the promised 2 s)."""
DEFAULT_BURST = 5


def bounded(kind: Callable[[str], float], low: float, high: float, what: str):
    """An argparse type: a number of ``kind`` between ``low`` and ``high``."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {what}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be {low:g} to {high:g}")
        return value

    return parse


def spec_list(text: str) -> list[RunSpec]:
    """``--patterns``: comma-separated run labels (``NAME``, ``NAME:N``, ...).

    A label given twice is run once: its row would only repeat.
    """
    try:
        specs = [
            RunSpec.parse(item, catalog=find)
            for item in filter(None, (part.strip() for part in text.split(",")))
        ]
    except SpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if not specs:
        raise argparse.ArgumentTypeError("give at least one pattern name")
    return list({spec.label: spec for spec in reversed(specs)}.values())[::-1]


def default_specs() -> list[RunSpec]:
    """Every pattern once, then a burst of the async ORM."""
    return [RunSpec.of(p) for p in PATTERNS] + [
        RunSpec.of(find("async-for"), DEFAULT_BURST)
    ]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``python -m tui``."""
    names = ", ".join(p.name for p in PATTERNS)
    parser = argparse.ArgumentParser(
        prog="loopbeat",
        description=(
            "Show, live, what blocking does to an asyncio event loop: a Django "
            "demo app runs in-process and each key fires a database fetch "
            "written in a different style."
        ),
        epilog=f"patterns: {names}",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=f"SQLite database (default: $LOOPBEAT_DB or {default_db_path()})",
    )
    parser.add_argument(
        "--latency-ms",
        type=bounded(float, 0, MAX_LATENCY_MS, "latency in ms"),
        default=0.0,
        metavar="N",
        help="simulated network round trip added to every query (default: 0)",
    )
    parser.add_argument(
        "--interval",
        type=bounded(float, 1, 100, "heartbeat interval in ms"),
        default=5.0,
        metavar="MS",
        help="heartbeat tick interval in milliseconds (default: 5)",
    )
    parser.add_argument(
        "--burst",
        type=bounded(int, 1, MAX_BURST, "burst size"),
        default=DEFAULT_BURST,
        metavar="N",
        help=f"concurrent requests the b key fires (default: {DEFAULT_BURST})",
    )
    parser.add_argument(
        "--theme",
        choices=THEME_NAMES,
        metavar="NAME",
        help="colour theme: loopbeat-contrast (for projectors) or any of "
        "Textual's (textual-dark, nord, gruvbox, ...)",
    )
    parser.add_argument(
        "--large",
        action="store_true",
        help="start in large mode: graphs and big figures only (also the l key)",
    )
    parser.add_argument(
        "--tour",
        action="store_true",
        help="open the guided tour at start (also the o key)",
    )
    parser.add_argument(
        "--tour-file",
        type=Path,
        metavar="TOML",
        help="your own tour script (default: the packaged tui/lessons/tour.toml)",
    )
    modes = parser.add_argument_group("modes")
    modes.add_argument(
        "--check",
        action="store_true",
        help="print the database path and row counts, and exit",
    )
    modes.add_argument(
        "--headless",
        action="store_true",
        help="run patterns without a screen and print a table of what was measured",
    )
    headless = parser.add_argument_group("headless options")
    headless.add_argument(
        "--patterns",
        type=spec_list,
        metavar="A,B:N,...",
        help="patterns to run, NAME:N for a burst of N (default: all, async-for:5)",
    )
    headless.add_argument(
        "--repeat",
        type=bounded(int, 1, 100, "repeat count"),
        default=1,
        metavar="N",
        help="runs of each pattern (default: 1)",
    )
    headless.add_argument(
        "--json", type=Path, metavar="FILE", help="also write every measurement here"
    )
    parser.add_argument(
        "--export-dir",
        type=Path,
        metavar="DIR",
        help="where exports go: the w and ctrl+s keys, and --export (default: .)",
    )
    headless.add_argument(
        "--export",
        action="store_true",
        help="write the session as JSON, CSV and a Chrome trace into --export-dir",
    )
    return parser


def unwritable_file(path: Path) -> str | None:
    """Why ``path`` cannot take an output file, checked before any run; or None.

    Only a regular file (or none yet) in a writable directory: a device
    such as ``/dev/null`` would be replaced by the atomic rename.
    """
    try:
        if path.exists() and not path.is_file():
            return f"{path} is not a regular file"
        if not path.parent.is_dir():
            return f"no directory {path.parent}"
        if not os.access(path.parent, os.W_OK):
            return f"cannot write to {path.parent}"
    except OSError as error:
        return f"cannot reach {path}: {error.strerror or error}"
    return None


def working_directory() -> Path | None:
    """The current directory, or None if it has been deleted under us."""
    try:
        return Path.cwd()
    except FileNotFoundError:
        return None


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


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for option in ("patterns", "json"):
        if getattr(args, option) is not None and not args.headless:
            parser.error(f"--{option} needs --headless")
    if args.export and not args.headless:
        parser.error("--export needs --headless")
    if args.export_dir is not None and not args.export_dir.is_dir():
        parser.error(printable(f"--export-dir: no directory {args.export_dir}"))
    if args.tour_file is not None:
        from tui.lessons.tour import TourError, load_tour

        try:
            load_tour(args.tour_file)
        except TourError as error:
            parser.error(printable(f"--tour-file: {error}"))
    if args.repeat != 1 and not args.headless:
        parser.error("--repeat needs --headless")
    if args.json is not None and (problem := unwritable_file(args.json)):
        parser.error(printable(f"--json: {problem}"))
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
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(
            "loopbeat: error: the live app needs a terminal on stdin and stdout; "
            "run it in one, or use --headless for a table",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from tui.leaving import leave_now
    from tui.ui.app import LoopbeatApp  # configures Django after its first frame

    app = LoopbeatApp(
        demo_target(db_path),
        interval=args.interval / 1000,
        burst=int(args.burst),
        latency_ms=args.latency_ms,
        export_dir=args.export_dir,
        tour_path=args.tour_file,
        start_tour=args.tour,
        theme=args.theme,
        large=args.large,
        quit_deadline=QUIT_DEADLINE,
    )
    app.run()
    code = app.return_code or 0
    if app.failure is not None:  # said once the terminal is restored
        print(f"loopbeat: error: {printable(app.failure)}", file=sys.stderr)
    leave_now(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
