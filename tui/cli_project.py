"""Your own project's side of the command line: found, checked, then measured.

``python -m tui --settings mysite.settings`` (or ``--path DIR``) sets the
project up in this process, as ``manage.py`` would, and says in one sentence
what stops it (exit 2). Then the live screen on its views, or, with
``--headless``, a table of the paths given and the middleware audit, with
budgets for CI.
"""

import argparse
import sys

from tui.cli_live import EXIT_USAGE, run_live
from tui.engine.routes import Route
from tui.engine.runs import RunSpec
from tui.engine.target import TargetError
from tui.instrument.printable import printable

MAX_DEFAULT_ROUTES = 20
"""Routes measured headless when no path is given."""


def run_project(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Set the project up, then the live screen or the headless report."""
    from tui.engine.project import project_root, project_target

    pinned: list[RunSpec] = [*args.url, *(args.urls or [])]
    writes = [spec.label for spec in pinned if spec.writes]
    if writes and not args.allow_writes:
        parser.error(
            f"{', '.join(writes)}: only GET and HEAD are sent unless you give "
            "--allow-writes (they may change your data)"
        )
    try:
        root = project_root(args.path)
        target = project_target(
            root, args.settings, ping_path=args.ping, host=args.host
        )
    except TargetError as error:
        print(f"loopbeat: error: {printable(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("loopbeat: interrupted while setting the project up", file=sys.stderr)
        return 130
    except FileNotFoundError:  # a relative --path, and the directory is gone
        print(
            "loopbeat: error: the current directory is gone; give --path DIR",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.headless:
        from tui.leaving import leave_now
        from tui.output.project_outcome import Budget
        from tui.output.project_report import run_project_headless

        specs = pinned or default_paths()
        if not specs:
            print(
                "loopbeat: error: the project has no route without parameters: "
                "give --urls /some/path/",
                file=sys.stderr,
            )
            return EXIT_USAGE
        code = run_project_headless(
            target,
            specs,
            repeat=args.repeat,
            interval=args.interval / 1000,
            latency_ms=args.latency_ms,
            budget=Budget(args.max_lag, args.max_hops),
            json_path=args.json,
        )
        leave_now(code)
        return code
    return run_live(target, args, pinned=tuple(pinned), allow_writes=args.allow_writes)


def default_paths() -> list[RunSpec]:
    """Every route without parameters, but the admin's: what a visitor opens."""
    from tui.engine.routes import project_routes

    routes = [r for r in project_routes() if r.path is not None and not _admin(r)]
    return [RunSpec(route.path) for route in routes[:MAX_DEFAULT_ROUTES] if route.path]


def _admin(route: Route) -> bool:
    return (route.name or "").startswith("admin:") or route.pattern.startswith("admin/")
