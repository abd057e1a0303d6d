"""The project's routes, walked from its URLconf: what can be fired, and how.

Each ``Route`` says its path pattern as Django writes it, its name, the view
behind it (a dotted name, so the code panel can find its source), whether
Django runs that view on the loop (async) or in a worker thread (sync), and
whether it needs parameters filled in before it can be requested.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tui.engine.wrapper import is_async_view


@dataclass(frozen=True)
class Route:
    """One URL pattern of the project, with the view it resolves to."""

    pattern: str
    """The full pattern, as Django prints it: ``posts/<int:pk>/``."""
    name: str | None
    """Its name (``namespace:name`` inside an ``include`` with a namespace)."""
    view: str
    """The view's dotted name: ``blog.views.post_list``."""
    is_async: bool
    """Whether Django runs the view on the event loop."""
    parameters: tuple[str, ...] = ()
    """What must be filled in: ``pk`` for ``<int:pk>``, or regex groups."""

    @property
    def path(self) -> str | None:
        """The path to request, or None when parameters must be filled in."""
        if self.parameters:
            return None
        return "/" + self.pattern.removeprefix("^").removesuffix("$").replace("\\", "")

    @property
    def kind(self) -> str:
        """``async`` or ``sync``."""
        return "async" if self.is_async else "sync"


def project_routes(urlconf: str | None = None) -> list[Route]:
    """Every route of the project's URLconf (Django must be set up)."""
    from django.urls import get_resolver

    return list(_walk(get_resolver(urlconf).url_patterns, "", None))


def _walk(patterns: Any, prefix: str, namespace: str | None) -> Iterator[Route]:
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            if namespace and inner:
                inner = f"{namespace}:{inner}"
            yield from _walk(entry.url_patterns, text, inner or namespace)
        elif isinstance(entry, URLPattern):
            name = entry.name
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(
                pattern=text,
                name=name,
                view=dotted_name(entry.callback),
                is_async=is_async_view(entry.callback),
                parameters=_parameters(text),
            )


def dotted_name(view: Any) -> str:
    """``blog.views.post_list``; a class-based view's class, not ``as_view``'s."""
    target = getattr(view, "view_class", None) or view
    module = getattr(target, "__module__", None) or "?"
    name = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}.{name}"


_CONVERTER = re.compile(r"(?<!\?P)<(?:\w+:)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>|\((?!\?)")


def _parameters(pattern: str) -> tuple[str, ...]:
    """The names a pattern needs filled in (``?`` for an unnamed group)."""
    names = _CONVERTER.findall(pattern)
    for match in _GROUP.finditer(pattern):
        names.append(match.group(1) or "?")
    return tuple(names)
