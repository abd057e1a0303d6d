"""Regenerate ``docs/screenshot.svg`` from a real session on the demo database.

Run: ``python docs/screenshot.py [--db PATH]``. Drives the app headless at
160x45: the blocking pattern, then the async ORM, then a burst, and saves the
screen as it is, measured numbers and all.
"""

import argparse
import asyncio
import sys
from pathlib import Path

from demoapp.bootstrap import configure_django
from demoapp.dbpath import resolve_db_path
from tui.cli_demo import prepare_database

KEYS = ("1", "u", "a", "d", "g", "h")


async def shoot(db_path: Path, out: Path) -> None:
    from tui.lessons.demo import demo_target
    from tui.lessons.patterns import PATTERNS
    from tui.ui.app import LoopbeatApp

    app = LoopbeatApp(demo_target(db_path), catalog=PATTERNS)
    async with app.run_test(size=(160, 45)) as pilot:
        await app.workers.wait_for_complete()
        for key in KEYS:
            await pilot.press(key)
            await app.workers.wait_for_complete()
            await asyncio.sleep(0.6)
        await pilot.press("u")  # leave the blocking pattern's code on screen
        await app.workers.wait_for_complete()
        await asyncio.sleep(0.5)
        app.save_screenshot(filename=out.name, path=str(out.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    args = parser.parse_args()
    db_path = resolve_db_path(args.db)
    # As `python -m tui` does: seed a missing database, refuse a broken one.
    if problem := prepare_database(db_path):
        sys.exit(f"screenshot: {problem}")
    configure_django(db_path)
    asyncio.run(shoot(db_path, Path(__file__).with_name("screenshot.svg")))


if __name__ == "__main__":
    main()
