"""Create the loopbeat demo database: ``python seed.py --help``."""

import sys

if __name__ == "__main__":
    # Ctrl+C at any moment ends without a traceback, even in the tenth of a
    # second of imports before the command line's own handling is in place.
    try:
        from demoapp.interrupts import interrupt_after

        with interrupt_after():
            from demoapp.seed_cli import main
        code = main()
    except KeyboardInterrupt:
        print("seed.py: interrupted", file=sys.stderr)
        code = 130
    raise SystemExit(code)
