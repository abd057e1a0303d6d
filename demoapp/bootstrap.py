"""Configure Django for a given database path, once, at the entry point."""

import os
from pathlib import Path

from demoapp.dbpath import ENV_VAR


def configure_django(db_path: Path) -> None:
    """Point the settings at ``db_path`` and run ``django.setup()``.

    Called by entry points only, never at import time, so importing loopbeat
    stays cheap and the path is decided before settings are read.
    """
    import django
    from django.conf import settings

    os.environ[ENV_VAR] = str(db_path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demoapp.settings")
    if settings.configured and settings.DATABASES["default"]["NAME"] != str(db_path):
        raise RuntimeError(
            f"Django is already configured for {settings.DATABASES['default']['NAME']}"
        )
    django.setup()
