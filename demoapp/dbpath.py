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


def db_path_source(cli_value: str | os.PathLike[str] | None = None) -> str:
    """Where the path ``resolve_db_path`` picks came from, for advice.

    ``"--db"``, ``ENV_VAR`` or ``"default"``: advice to use another file names
    the setting the user has to change.
    """
    if cli_value:
        return "--db"
    return ENV_VAR if os.environ.get(ENV_VAR) else "default"


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The database path: ``--db`` if given, else ``$LOOPBEAT_DB``, else the default.

    Raises:
        OSError: the path is relative and the current directory is gone.
    """
    chosen = cli_value or os.environ.get(ENV_VAR) or default_db_path()
    return Path(chosen).expanduser().absolute()
