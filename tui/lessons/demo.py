"""The demo as a target: demoapp's settings, its catalog's needs, its database.

The one place besides the command line that knows demoapp by name. The
engine sees a ``Target`` like any other project's.
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING

from tui.engine.target import Target, TargetError

if TYPE_CHECKING:
    from demoapp.dburl import Database

DEMO_SETTINGS = "demoapp.settings"


def demo_target(chosen: "Path | Database") -> Target:
    """The demo app, on ``chosen`` (a SQLite path, or a ``Database``; checked)."""
    import demoapp
    from demoapp.bootstrap import as_database, point_settings_at

    database = as_database(chosen)

    def prepare() -> None:
        try:
            point_settings_at(database)
        except RuntimeError as error:
            raise TargetError(str(error)) from None

    return Target(
        name="loopbeat demo",
        settings_module=DEMO_SETTINGS,
        project_root=Path(demoapp.__file__).resolve().parent.parent,
        ping_path="/ping",
        control_path="/calibrate/asyncio-sleep",
        # Django compiles its first query; on PostgreSQL the pool opens.
        warm_up=("/ping", "/async/get-count")
        + (("/gather/native?n=1",) if database.is_postgres else ()),
        on_stop=close_pools if database.is_postgres else None,
        rows_from=rows_in_answer,
        prepare=prepare,
        describe=_facts(database),
    )


def _facts(database: "Database") -> dict[str, str]:
    """What the header, the report and the exports say of the database.

    The URL is masked; the server's version is asked of the server.
    """
    facts = {
        "backend": database.vendor,
        "database": database.masked,
        "label": database.label,
    }
    if database.is_postgres:
        from demoapp.pghealth import server_version

        version = server_version(database)
        facts["server"] = f"PostgreSQL {version}" if version else "PostgreSQL"
    return facts


async def close_pools() -> None:
    """Close the connection pool the PostgreSQL views opened on this loop."""
    from demoapp.pgpool import close_pools as close

    await close()


def rows_in_answer(body: bytes) -> int | None:
    """The demo's views answer ``{"rows": N}``: their own API, not loopbeat's."""
    try:
        rows = json.loads(body).get("rows")
    except (ValueError, AttributeError):
        return None
    return rows if isinstance(rows, int) and not isinstance(rows, bool) else None
