"""What the engine runs against: a Django project, described, not imported.

A ``Target`` names a project's settings module, where its code lives (for
``sys.path`` and for naming the lines a stall is pinned to), the path the
ping probe requests, and, optionally, what only the demo has: a catalog of
patterns, a way to read rows off its answers and paths to warm up. The
command line builds one and hands it to ``Bench``; nothing under
``tui.engine`` imports the demo, or any project, by name.
"""

import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.engine.wrapper import CONTROL_PATH, PING_PATH

SETTINGS_ENV = "DJANGO_SETTINGS_MODULE"


class TargetError(Exception):
    """The target cannot be set up; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """A Django project for the engine to run requests against.

    Attributes:
        name: What the header and the exports call it.
        settings_module: The dotted settings module (``mysite.settings``).
        project_root: The directory holding the project's code: put on
            ``sys.path`` as ``manage.py`` does, and the root stall lines are
            named from (``blog/views.py:42``).
        ping_path: What the ping probe requests, as another user would; by
            default loopbeat's own path, answered before the project.
        control_path: A request that awaits for a moment and must keep the
            loop beating: the noise check's control case; by default
            loopbeat's own, answered before the project.
        warm_up: Paths requested once before the first run, so Django's
            first-use compilation is not measured.
        rows_from: Reads the rows a response reports, where the target's own
            answers say (the demo's views answer ``{"rows": N}``); None: the
            rows are whatever the database backend reports.
        prepare: Called before Django is set up (the demo points its
            settings at the chosen database file).
        describe: Facts for the header and exports (database, ...).
        host_override: The ``Host`` to send instead of one read from
            ``ALLOWED_HOSTS`` (``--host``).
        on_stop: Awaited on the bench's loop when it stops, before the loop
            is gone: what the project's views opened for the loop's life
            (the demo's PostgreSQL connection pool), since Django has no
            lifespan hook to close it.
    """

    name: str
    settings_module: str
    project_root: Path
    ping_path: str = PING_PATH
    control_path: str = CONTROL_PATH
    warm_up: tuple[str, ...] = ()
    rows_from: Callable[[bytes], int | None] | None = None
    prepare: Callable[[], None] | None = None
    describe: dict[str, str] = field(default_factory=dict)
    host_override: str | None = None
    on_stop: Callable[[], Awaitable[None]] | None = None

    @property
    def label(self) -> str:
        """A few words for the header: the server or backend and the
        database's short name (``describe``'s ``server`` or ``backend``, and
        ``label``), else the file's name, else the target's name."""
        database = self.describe.get("database")
        short = self.describe.get("label") or (Path(database).name if database else "")
        backend = self.describe.get("server") or self.describe.get("backend")
        if backend and short:
            return f"{backend} · {short}"
        return short or self.name

    def set_up_django(self) -> None:
        """Point Django at this target's settings and run ``django.setup()``.

        Raises:
            TargetError: Django is already set up for other settings, or the
                settings module does not import.
        """
        import django
        from django.conf import settings

        root = str(self.project_root)
        if root not in sys.path:
            sys.path.insert(0, root)
        if self.prepare is not None:
            self.prepare()
        configured = os.environ.get(SETTINGS_ENV)
        if settings.configured and configured not in (None, self.settings_module):
            raise TargetError(f"Django is already set up with {configured}")
        os.environ[SETTINGS_ENV] = self.settings_module
        try:
            django.setup()
        except ImportError as error:
            raise TargetError(
                f"cannot import the settings module {self.settings_module}: {error}"
            ) from error

    def asgi_application(self) -> Any:
        """The project's ASGI application, as an ASGI server would load it.

        ``ASGI_APPLICATION`` names it where the project says so; otherwise
        Django's own handler, which is what ``asgi.py`` of a new project holds.
        """
        from django.conf import settings
        from django.core.asgi import get_asgi_application
        from django.utils.module_loading import import_string

        dotted = getattr(settings, "ASGI_APPLICATION", None)
        if dotted:
            try:
                return import_string(dotted)
            except ImportError as error:
                raise TargetError(f"ASGI_APPLICATION {dotted}: {error}") from error
        return get_asgi_application()

    def host(self) -> str:
        """A ``Host`` the project accepts, from ``ALLOWED_HOSTS``.

        Django accepts ``localhost`` when ``DEBUG`` is on and the list is
        empty; a leading dot allows every subdomain; ``*`` allows anything.
        """
        from django.conf import settings

        if self.host_override:
            return self.host_override
        for allowed in settings.ALLOWED_HOSTS:
            if allowed == "*":
                return "localhost"
            host = allowed.lstrip(".")
            if host:
                return host
        return "localhost"
