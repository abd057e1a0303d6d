"""A user's Django project as a target: found, set up and checked, or explained.

``python -m tui --settings mysite.settings`` (``--path DIR``, or the current
directory) builds a ``Target`` here. Everything that can be wrong with a
project is turned into one ``TargetError`` sentence, with what to do, before
anything is measured: no ``manage.py`` or settings, a settings module that
does not import (its own last line, and where), a database file that is not
there (Django would create an empty one: loopbeat never does), migrations
not applied, a host the project does not accept.

Nothing of the project is changed: no file written, no migration run, no
setting saved. Django is set up in this process, as ``manage.py`` would.
"""

import contextlib
import os
import re
import shlex
import sys
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tui.engine.target import SETTINGS_ENV, Target, TargetError
from tui.instrument.framenames import FrameNames

_SETDEFAULT = re.compile(
    r"""os\.environ\.setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']"""
)


@dataclass(frozen=True)
class ProjectFacts:
    """What the header, the report and the exports say about a project."""

    name: str
    settings: str
    django: str
    debug: bool
    database: str
    """``sqlite3 db.sqlite3`` or ``postgresql shop@db.internal``: no password."""
    host: str
    """The ``Host`` loopbeat sends."""

    def describe(self) -> dict[str, str]:
        """As ``Target.describe`` wants them."""
        return {
            "project": self.name,
            "database": self.database,
            "debug": "on" if self.debug else "off",
            "host": self.host,
        }


def find_settings(root: Path, given: str | None) -> str:
    """The settings module: ``--settings``, else the environment, else manage.py's.

    Raises:
        TargetError: none of them names one.
    """
    if given:
        return given
    from_env = os.environ.get(SETTINGS_ENV)
    if from_env:
        return from_env
    manage = root / "manage.py"
    try:
        text = manage.read_text(errors="replace")
    except OSError:
        text = ""
    found = _SETDEFAULT.search(text)
    if found:
        return found.group(1)
    if not manage.exists():
        raise TargetError(
            f"{root} has no manage.py and no settings were given: run loopbeat "
            "in your project's directory (--path DIR), with --settings "
            "yourproject.settings"
        )
    raise TargetError(
        f"cannot tell the settings module from {manage}: give --settings "
        "yourproject.settings"
    )


def project_target(
    root: Path,
    settings: str | None = None,
    *,
    ping_path: str | None = None,
    host: str | None = None,
) -> Target:
    """Set the project up (Django, in this process) and describe it as a target.

    Raises:
        TargetError: with the sentence to show, and what to do.
    """
    root = root.resolve()
    if not root.is_dir():
        raise TargetError(f"--path: {root} is not a directory")
    module = find_settings(root, settings)
    target = Target(name=root.name, settings_module=module, project_root=root)
    if ping_path:
        target = replace(target, ping_path=ping_path)
    set_up(target)
    facts = project_facts(target, host)
    check_database()
    load_urlconf()
    return Target(
        name=facts.name,
        settings_module=module,
        project_root=root,
        ping_path=target.ping_path,
        host_override=facts.host,
        describe=facts.describe(),
    )


def set_up(target: Target) -> None:
    """``django.setup()`` for the target, its failures said as the project's."""
    try:
        import django  # noqa: F401
    except ImportError:
        raise TargetError(
            "Django is not installed where loopbeat runs: install loopbeat into "
            "your project's environment (pip install path/to/loopbeat)"
        ) from None
    try:
        target.set_up_django()
    except TargetError:
        raise
    except Exception as error:
        raise TargetError(_settings_failure(target, error)) from error


def load_urlconf() -> None:
    """Import the project's URLconf, and with it its views, before measuring.

    Django imports it on the first request, on the loop's thread: a module
    import that a server does once, at its first request, would otherwise be
    the first measured request's stall (a DRF project's first path read
    "froze 54 ms at catalog/views.py:1 in <module>" and went over a 50 ms
    budget). A URLconf that does not import is left for its requests to
    show, as error rows.
    """
    from django.urls import get_resolver

    with contextlib.suppress(Exception):
        get_resolver().url_patterns  # noqa: B018 (the import is the point)


def _settings_failure(target: Target, error: BaseException) -> str:
    """``cannot set up mysite.settings: NameError: ... (mysite/settings.py:12)``."""
    names = FrameNames([str(target.project_root)])
    where = None
    for frame in traceback.extract_tb(error.__traceback__):
        path, project = names.describe(frame.filename)
        if project:
            where = f"{path}:{frame.lineno}"
    last = (str(error).strip().splitlines() or [""])[-1]
    what = f"{type(error).__name__}: {last}" if last else type(error).__name__
    place = f" ({where})" if where else ""
    return f"cannot set up {target.settings_module}: {what}{place}"


def project_facts(target: Target, host: str | None = None) -> ProjectFacts:
    """Name, Django version, DEBUG, database and host, read from the settings.

    Raises:
        TargetError: the project accepts no host loopbeat could send.
    """
    import django
    from django.conf import settings

    chosen = host or target.host()
    if not settings.DEBUG and not settings.ALLOWED_HOSTS and not host:
        raise TargetError(
            "DEBUG is off and ALLOWED_HOSTS is empty, so Django refuses every "
            "request: give --host with a name the project serves, or add "
            "'localhost' to ALLOWED_HOSTS"
        )
    return ProjectFacts(
        name=target.project_root.name,
        settings=target.settings_module,
        django=django.get_version(),
        debug=bool(settings.DEBUG),
        database=describe_database(settings.DATABASES.get("default", {})),
        host=chosen,
    )


def describe_database(config: dict[str, Any]) -> str:
    """``sqlite3 db.sqlite3``; ``postgresql shop@db:5432``: never a password."""
    engine = str(config.get("ENGINE", "")).rsplit(".", 1)[-1] or "none"
    name = str(config.get("NAME", ""))
    if engine == "sqlite3":
        return f"sqlite3 {Path(name).name if name else '(no NAME)'}"
    host = config.get("HOST") or "local socket"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"{engine} {name}@{host}{port}"


def check_database() -> None:
    """The default database is there and migrated; never creates or changes it.

    Raises:
        TargetError: saying which ``manage.py`` command would fix it.
    """
    from django.conf import settings
    from django.db import DEFAULT_DB_ALIAS, connections

    config = settings.DATABASES.get(DEFAULT_DB_ALIAS)
    if not config or not config.get("ENGINE") or "dummy" in config["ENGINE"]:
        return  # a project without a database: views that query will say so
    name = str(config.get("NAME", ""))
    in_memory = ":memory:" in name or "mode=memory" in name
    sqlite = config["ENGINE"].endswith("sqlite3")
    if sqlite and name and not in_memory and not Path(name).is_file():
        raise TargetError(
            f"the database {shlex.quote(name)} does not exist (Django would "
            "create it empty): run python manage.py migrate first"
        )
    try:
        from django.db.migrations.executor import MigrationExecutor

        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        first = (str(error).strip().splitlines() or [""])[0]
        raise TargetError(
            f"cannot reach the database ({type(error).__name__}: {first}): is "
            "it running, and do the settings point at it?"
        ) from error
    finally:
        connections.close_all()
    if pending:
        apps = sorted({migration.app_label for migration, _ in pending})
        raise TargetError(
            f"{len(pending)} migrations not applied ({', '.join(apps)}): run "
            "python manage.py migrate first"
        )


def project_root(path: str | None) -> Path:
    """``--path`` or the current directory, put on ``sys.path`` as manage.py does."""
    root = Path(path) if path else Path.cwd()
    root = root.resolve()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return root
