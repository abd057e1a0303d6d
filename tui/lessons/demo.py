"""The demo as a target: demoapp's settings, its catalog's needs, its database.

The one place besides the command line that knows demoapp by name. The
engine sees a ``Target`` like any other project's.
"""

import json
import os
from pathlib import Path

from tui.engine.target import Target, TargetError

DEMO_SETTINGS = "demoapp.settings"
DB_ENV = "LOOPBEAT_DB"
"""Where demoapp's settings read the database path from."""


def demo_target(db_path: Path) -> Target:
    """The demo app, on the database at ``db_path`` (already checked)."""
    import demoapp

    def prepare() -> None:
        from django.conf import settings

        if settings.configured:
            name = settings.DATABASES["default"]["NAME"]
            if name != str(db_path):
                raise TargetError(f"Django is already configured for {name}")
        os.environ[DB_ENV] = str(db_path)

    return Target(
        name="loopbeat demo",
        settings_module=DEMO_SETTINGS,
        project_root=Path(demoapp.__file__).resolve().parent.parent,
        ping_path="/ping",
        control_path="/calibrate/asyncio-sleep",
        warm_up=("/ping", "/async/get-count"),
        rows_from=rows_in_answer,
        prepare=prepare,
        describe={"database": str(db_path)},
    )


def rows_in_answer(body: bytes) -> int | None:
    """The demo's views answer ``{"rows": N}``: their own API, not loopbeat's."""
    try:
        rows = json.loads(body).get("rows")
    except (ValueError, AttributeError):
        return None
    return rows if isinstance(rows, int) and not isinstance(rows, bool) else None
