"""Create the loopbeat demo database: ``python seed.py --help``."""

from demoapp.seed_cli import main

if __name__ == "__main__":
    raise SystemExit(main())
