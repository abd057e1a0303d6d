"""``python -m tui``: start loopbeat."""

import sys


def main() -> int:
    """Run the command line; Ctrl+C at any moment ends it without a traceback."""
    try:
        from tui.cli import main as run

        return run()
    except KeyboardInterrupt:
        print("loopbeat: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
