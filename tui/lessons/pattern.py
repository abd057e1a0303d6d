"""One fetch pattern: the key that fires it, its view, and what really happens.

A pattern's source is read from its module under ``demoapp/`` (parsed, not
imported, so the catalog works before Django is configured, and the UI never
imports demoapp) and can never drift from the code that runs.
"""

import ast
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path


def _demoapp_dir() -> Path:
    # Found, not imported: the UI must not import demoapp (tests enforce it).
    spec = importlib.util.find_spec("demoapp")
    if spec is None or spec.origin is None:
        raise ImportError("the demoapp package is not installed")
    return Path(spec.origin).parent


DEMOAPP_DIR = _demoapp_dir()
VIEWS_FILE = DEMOAPP_DIR / "views.py"
"""The ORM patterns' views; the native ones are in a module per backend."""


@dataclass(frozen=True)
class Pattern:
    """One way of fetching data, served by one Django view."""

    key: str
    """The key that fires it in the app."""
    name: str
    """Stable identifier, used by ``--patterns`` and in exported data; the
    same on every backend, so their runs can be compared."""
    title: str
    url: str
    view: str
    """The view function's name in its module."""
    explanation: str
    blocks_loop: bool = False
    """True for the patterns that block the event loop on purpose."""
    helpers: tuple[str, ...] = ()
    """Functions the view calls whose code the audience should see too."""
    module: str = "views"
    """The ``demoapp`` module the view is in (``native_postgres``...)."""

    @property
    def source_file(self) -> Path:
        """The file its view's code is read from."""
        return DEMOAPP_DIR / f"{self.module}.py"

    @property
    def source(self) -> str:
        """The view's source code, decorators and helpers included, from the file."""
        return "\n\n\n".join(part for _, part in self.source_parts)

    @property
    def source_parts(self) -> tuple[tuple[int, str], ...]:
        """Each function shown, helpers first: (its first line in the file, code)."""
        sources = module_sources(self.module)
        return tuple(sources[name] for name in (*self.helpers, self.view))

    def line_of(self, location: str) -> int | None:
        """The line of a stall's place, if it is in this pattern's file.

        ``demoapp/views.py:118 in sync_orm_unguarded`` gives 118 for a
        pattern whose view is in ``views.py``, None for one in another file.
        """
        place, _, _ = location.partition(" in ")
        path, _, line = place.rpartition(":")
        wanted = f"demoapp/{self.module}.py"
        if path.replace("\\", "/").endswith(wanted) and line.isdigit():
            return int(line)
        return None


@cache
def module_sources(module: str) -> dict[str, tuple[int, str]]:
    """Every function of ``demoapp/<module>.py``: (its first line, its code)."""
    text = (DEMOAPP_DIR / f"{module}.py").read_text()
    lines = text.splitlines()
    sources = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            code = "\n".join(lines[first - 1 : node.end_lineno])
            sources[node.name] = (first, code)
    return sources


def view_source(view_name: str, module: str = "views") -> str:
    """The source of ``demoapp.<module>.<view_name>``."""
    return module_sources(module)[view_name][1]


def views_line(location: str) -> int | None:
    """The line number of a stall's place, if it is in ``demoapp/views.py``."""
    place, _, _ = location.partition(" in ")
    path, _, line = place.rpartition(":")
    if path.replace("\\", "/").endswith("demoapp/views.py") and line.isdigit():
        return int(line)
    return None
