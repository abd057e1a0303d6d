"""A project's routes and the source of the view behind each, for the screen.

Read once Django is set up, in a worker thread (importing the URLconf and
reading source files is the app's own I/O, kept off the loop): every route
of the URLconf (``tui.engine.routes``), the project's own views first, then
those of the packages it uses (the admin's, say), and each view's code with
its file named as a stall names it (``blog/views.py``, relative to the
project root) and its real line numbers. No Textual here.
"""

import importlib
import inspect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.engine.routes import Route, project_routes
from tui.instrument.framenames import FrameNames


@dataclass(frozen=True)
class ViewSource:
    """A view's code, as the code panel draws it."""

    file: str
    """As stalls name it: ``blog/views.py``, or ``django/contrib/admin/sites.py``."""
    first: int
    """The line number of the code's first line in that file."""
    code: str
    mine: bool
    """Whether it is the project's own code (not a package's)."""

    def shows(self, file: str, line: int) -> bool:
        """Whether ``file:line`` is one of the lines shown."""
        return file == self.file and self.first <= line < self.first + len(
            self.code.splitlines()
        )


@dataclass(frozen=True)
class ProjectViews:
    """The project's routes and their views' code."""

    own: tuple[Route, ...] = ()
    """Routes to the project's own views, in URLconf order."""
    packages: tuple[Route, ...] = ()
    """Routes to views of installed packages (the admin's), in URLconf order."""
    sources: dict[str, ViewSource | None] = field(default_factory=dict)
    """Each view's code by its dotted name (None: no source to read)."""
    problem: str | None = None
    """Why the URLconf could not be read, said as the project's error."""

    @property
    def routes(self) -> tuple[Route, ...]:
        """Every route, the project's own first."""
        return (*self.own, *self.packages)


def load_project_views(root: Path) -> ProjectViews:
    """Walk the URLconf and read every view's source (Django must be set up).

    Blocking: run it in a thread. A URLconf that does not import is said
    (``problem``), never raised.
    """
    names = FrameNames([str(root)])
    try:
        routes = project_routes()
    except Exception as error:  # the project's URLconf: its error to show
        first = (str(error).strip().splitlines() or [""])[0]
        return ProjectViews(problem=f"{type(error).__name__}: {first}")
    sources = {route.view: view_source(route.view, names) for route in routes}

    def own(route: Route) -> bool:
        source = sources.get(route.view)
        return source is not None and source.mine

    return ProjectViews(
        own=tuple(r for r in routes if own(r)),
        packages=tuple(r for r in routes if not own(r)),
        sources=sources,
    )


def view_object(dotted: str) -> Any:
    """The function or class ``dotted`` names (``blog.views.PostApi``), or None.

    The longest importable module prefix, then attributes: a method's
    qualified name (``AdminSite.index``) walks through its class.
    """
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name, None)
            if found is None:
                return None
        return found
    return None


def view_source(dotted: str, names: FrameNames) -> ViewSource | None:
    """The code of the view ``dotted``: a function (undecorated, its
    decorators shown), or a class-based view's class; None without source."""
    view = view_object(dotted)
    if view is None:
        return None
    try:
        view = inspect.unwrap(view)
        filename = inspect.getsourcefile(view)
        lines, first = inspect.getsourcelines(view)
    except (OSError, TypeError, ValueError):
        return None
    if filename is None:
        return None
    file, mine = names.describe(filename)
    return ViewSource(file, max(1, first), "".join(lines), mine)


_LOCATION = re.compile(r"^(?P<file>\S+?):(?P<line>\d+)(?: in |$)")


def stall_place(location: str) -> tuple[str, int] | None:
    """``("blog/views.py", 42)`` from a stall's ``blog/views.py:42 in slow``."""
    found = _LOCATION.match(location)
    return (found["file"], int(found["line"])) if found else None


def resolve_route(path: str, routes: Sequence[Route]) -> Route | None:
    """The route ``path`` resolves to in the project's URLconf, if listed.

    Django's own resolver decides (the first pattern that matches wins);
    the route is then found by its pattern (a regex route's ``^`` aside),
    or, failing that, by its name.
    """
    from urllib.parse import urlsplit

    from django.urls import resolve

    try:
        match = resolve(urlsplit(path).path)
    except Exception:  # a 404, or a URLconf that does not import
        return None
    pattern = match.route.replace("^", "")
    found = next((r for r in routes if r.pattern.replace("^", "") == pattern), None)
    if found is None and match.view_name:
        found = next((r for r in routes if r.name == match.view_name), None)
    return found
