"""Starting the live app from the command line, for the demo or a project."""

import argparse
import sys

from tui.engine.target import Target
from tui.instrument.printable import printable

EXIT_USAGE = 2
QUIT_DEADLINE = 1.4
"""Seconds from quitting (a key, a signal, a closed terminal) to the process
ending, whatever is stuck: a closed terminal can block Textual's writer.
An orderly quit takes under 1 s even just after a freeze; the forced end
itself takes up to 0.1 s more, and a loaded machine more again (1.8 s here
ended closed terminals at 1.83-1.90 s, too near the promised 2 s)."""


def run_live(target: Target, args: argparse.Namespace, **options: object) -> int:
    """Run the live app on ``target`` until it quits; its exit status.

    ``options`` go to ``LoopbeatApp`` beside what the arguments say (the
    demo's tour, a project's pinned paths).
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print(
            "loopbeat: error: the live app needs a terminal on stdin and stdout; "
            "run it in one, or use --headless for a table",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from tui.leaving import leave_now
    from tui.ui.app import LoopbeatApp  # sets Django up after its first frame

    app = LoopbeatApp(
        target,
        interval=args.interval / 1000,
        burst=int(args.burst),
        latency_ms=args.latency_ms,
        export_dir=args.export_dir,
        theme=args.theme,
        large=args.large,
        quit_deadline=QUIT_DEADLINE,
        **options,  # type: ignore[arg-type]
    )
    app.run()
    code = app.return_code or 0
    if app.failure is not None:  # said once the terminal is restored
        print(f"loopbeat: error: {printable(app.failure)}", file=sys.stderr)
    leave_now(code)
    return code
