"""The entry point of ``python -m tui`` / ``loopbeat``: parse, check, dispatch.

With ``--settings`` or ``--path`` loopbeat runs on the user's own Django
project (``tui.cli_project``), and with a project's option (``--urls``...)
in a directory holding ``manage.py``; otherwise on its demo
(``tui.cli_demo``).
Either way the arguments are checked first, and a bad one exits 2 with a
sentence before anything starts.
"""

import sys
from collections.abc import Sequence
from pathlib import Path

from tui.cli_args import build_parser, unwritable_file
from tui.instrument.printable import printable

DEMO_ONLY = ("db", "patterns", "tour", "tour_file", "check", "export")
"""Options of the demo alone, refused beside ``--settings`` or ``--path``."""
PROJECT_ONLY = ("url", "urls", "max_lag", "max_hops", "allow_writes", "host", "ping")
"""Options of a project alone, refused for the demo."""


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for option in ("patterns", "json", "urls", "max_lag", "max_hops"):
        if getattr(args, option) is not None and not args.headless:
            parser.error(f"--{option.replace('_', '-')} needs --headless")
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
    project = args.settings is not None or args.path is not None
    if not project and _asks_for_a_project(args):
        # `--urls /api/` in a directory with manage.py: the project here.
        project = Path("manage.py").is_file()
    wrong = DEMO_ONLY if project else PROJECT_ONLY
    for option in wrong:
        if getattr(args, option) not in (None, False, []):
            flag = "--" + option.replace("_", "-")
            if project:
                parser.error(f"{flag} is the demo's; on your project use --url/--urls")
            parser.error(f"{flag} needs your project: give --settings or --path")
    if project:
        from tui.cli_project import run_project

        return run_project(args, parser)
    from tui.cli_demo import run_demo

    return run_demo(args, parser)


def _asks_for_a_project(args: object) -> bool:
    return any(
        getattr(args, option) not in (None, False, []) for option in PROJECT_ONLY
    )


if __name__ == "__main__":
    sys.exit(main())
