"""Configure Django for a given database, once, at the entry point."""

import os
from pathlib import Path

from demoapp.dburl import URL_ENV_VAR, Database


def as_database(chosen: Path | Database) -> Database:
    """A path is a SQLite file; a ``Database`` is itself."""
    return chosen if isinstance(chosen, Database) else Database("sqlite", path=chosen)


def point_settings_at(chosen: Path | Database) -> Database:
    """Make ``demoapp.settings`` read ``chosen`` when Django imports it.

    The environment is the channel because Django imports the settings
    module itself; the variable holds a PostgreSQL password for this process
    and its children only, and is never printed.

    Raises:
        RuntimeError: Django is already configured for another database.
    """
    from django.conf import settings

    database = as_database(chosen)
    if settings.configured:
        configured = settings.DATABASES["default"]
        wanted = database.django_settings()
        if (configured["ENGINE"], configured["NAME"], configured.get("HOST", "")) != (
            wanted["ENGINE"],
            wanted["NAME"],
            wanted.get("HOST", ""),
        ):
            raise RuntimeError(f"Django is already configured for {configured['NAME']}")
    os.environ[URL_ENV_VAR] = database.url
    return database


def configure_django(chosen: Path | Database) -> None:
    """Point the settings at ``chosen`` and run ``django.setup()``.

    Called by entry points only, never at import time, so importing loopbeat
    stays cheap and the database is decided before settings are read.
    """
    import django

    point_settings_at(chosen)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demoapp.settings")
    django.setup()
