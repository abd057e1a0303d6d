"""The command line's arguments: what ``python -m tui --help`` lists, checked.

Every value is checked here, as it is parsed, so a bad one stops the command
with argparse's usage line and exit 2 before anything starts.
"""

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from demoapp.dbpath import default_db_path
from tui.engine.runs import MAX_BURST, MAX_LATENCY_MS, RunSpec, SpecError
from tui.lessons.patterns import PATTERNS, Catalog, catalog, find
from tui.ui.themes import THEME_NAMES

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


def url_spec(text: str) -> RunSpec:
    """``--url``: one path (``/books/``, ``HEAD /``, ``/api/:5``)."""
    try:
        return RunSpec.parse(text)
    except SpecError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def url_list(text: str) -> list[RunSpec]:
    """``--urls``: comma-separated paths, each ``PATH`` or ``PATH:N``."""
    specs = [
        url_spec(item) for item in filter(None, (p.strip() for p in text.split(",")))
    ]
    if not specs:
        raise argparse.ArgumentTypeError("give at least one path, such as /")
    return list({spec.label: spec for spec in reversed(specs)}.values())[::-1]


def default_specs(patterns: Catalog | None = None) -> list[RunSpec]:
    """Every pattern of the catalog (SQLite's by default) once, then a burst of
    the async ORM."""
    patterns = patterns or catalog()
    return [RunSpec.of(p) for p in patterns] + [
        RunSpec.of(patterns.find("async-for"), DEFAULT_BURST)
    ]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``python -m tui``."""
    names = ", ".join(p.name for p in PATTERNS)
    parser = argparse.ArgumentParser(
        prog="loopbeat",
        description=(
            "Show, live, what blocking does to an asyncio event loop: a Django "
            "app runs in-process (the demo, or your own project) and each key "
            "fires a request."
        ),
        epilog=f"patterns: {names}",
    )
    parser.add_argument(
        "--database",
        "--db",
        dest="db",
        metavar="URL",
        help=(
            "the demo's database: a SQLite file path or a postgresql://"
            "USER:PASSWORD@HOST:PORT/DB URL (default: $LOOPBEAT_DATABASE_URL,"
            f" $LOOPBEAT_DB or {default_db_path()})"
        ),
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
    project = parser.add_argument_group(
        "your own project",
        "run loopbeat on your Django project instead of the demo: "
        "python -m tui --settings mysite.settings [--headless --urls /,/books/]",
    )
    project.add_argument(
        "--settings",
        metavar="MODULE",
        help="your settings module (default: $DJANGO_SETTINGS_MODULE, else the "
        "one manage.py names)",
    )
    project.add_argument(
        "--path",
        metavar="DIR",
        help="your project's directory, put on sys.path as manage.py does "
        "(default: the current one)",
    )
    project.add_argument(
        "--url",
        action="append",
        type=url_spec,
        default=[],
        metavar="PATH",
        help="a path to fire (repeatable): the number keys, in the order given",
    )
    project.add_argument(
        "--urls",
        type=url_list,
        metavar="A,B:N,...",
        help="headless: the paths to measure, PATH:N for N at once "
        "(default: every route without parameters, but the admin's)",
    )
    project.add_argument(
        "--max-lag",
        type=bounded(float, 1, 60_000, "lag budget in ms"),
        metavar="MS",
        help="headless: exit 1 when a path's own code held the loop longer",
    )
    project.add_argument(
        "--max-hops",
        type=bounded(int, 0, 10_000, "hop budget"),
        metavar="N",
        help="headless: exit 1 when a request made more thread hops",
    )
    project.add_argument(
        "--allow-writes",
        action="store_true",
        help="allow POST, PUT, PATCH and DELETE (default: GET and HEAD only)",
    )
    project.add_argument(
        "--host",
        metavar="NAME",
        help="the Host header to send (default: the first of ALLOWED_HOSTS)",
    )
    project.add_argument(
        "--ping",
        metavar="PATH",
        help="a cheap view of yours for the ping probe (default: loopbeat's own, "
        "answered before Django)",
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
