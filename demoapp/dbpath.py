"""Where the demo database lives, decided before Django is configured."""

import os
from pathlib import Path

ENV_VAR = "LOOPBEAT_DB"


def default_db_path() -> Path:
    """The per-user default, independent of the working directory.

    Follows the XDG base directory spec: ``$XDG_DATA_HOME/loopbeat`` or
    ``~/.local/share/loopbeat``.
    """
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "loopbeat" / "loopbeat.sqlite3"


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The database path: ``--db`` if given, else ``$LOOPBEAT_DB``, else the default."""
    chosen = cli_value or os.environ.get(ENV_VAR) or default_db_path()
    return Path(chosen).expanduser().absolute()
