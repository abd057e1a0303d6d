"""The catalogs of fetch patterns: one per database backend, the same names.

The ORM patterns (``tui.lessons.orm_patterns``) are the same on every
backend; the native-driver ones (``tui.lessons.native_patterns``) are the
backend's own driver. A run's name is the same on both, so a pattern can be
compared across backends.
"""

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, overload

from tui.lessons import native_patterns, orm_patterns
from tui.lessons.pattern import VIEWS_FILE, Pattern, view_source, views_line

if TYPE_CHECKING:
    from tui.engine.runs import RunSpec

__all__ = [
    "BACKENDS",
    "PATTERNS",
    "POSTGRESQL",
    "SQLITE",
    "VIEWS_FILE",
    "Catalog",
    "Pattern",
    "catalog",
    "find",
    "pattern_of",
    "view_source",
    "views_line",
]

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
BACKENDS = (SQLITE, POSTGRESQL)
"""Django's ``connection.vendor`` for each backend the demo runs on."""

VENDORS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}


@dataclass(frozen=True)
class Catalog(Sequence[Pattern]):
    """The patterns a backend's demo offers, in the order of their keys: a
    sequence of them, which also finds one by name."""

    backend: str
    """``sqlite`` or ``postgresql`` (Django's ``connection.vendor``)."""
    patterns: tuple[Pattern, ...]

    @property
    def vendor(self) -> str:
        """The backend as people write it: ``SQLite``, ``PostgreSQL``."""
        return VENDORS[self.backend]

    def __iter__(self) -> Iterator[Pattern]:
        return iter(self.patterns)

    def __len__(self) -> int:
        return len(self.patterns)

    @overload
    def __getitem__(self, index: int) -> Pattern: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Pattern, ...]: ...
    def __getitem__(self, index: int | slice) -> Pattern | tuple[Pattern, ...]:
        return self.patterns[index]

    def rebind(self, spec: "RunSpec") -> "RunSpec":
        """``spec`` with its pattern taken from this catalog (the names are
        the same on every backend); a typed URL stays as it is."""
        pattern = pattern_of(spec)
        if pattern is None:
            return spec
        return dataclasses.replace(spec, pattern=self.find(pattern.name))

    def find(self, name: str) -> Pattern:
        """The pattern called ``name``.

        Raises:
            KeyError: with a message listing the known names.
        """
        for pattern in self.patterns:
            if pattern.name == name:
                return pattern
        known = ", ".join(p.name for p in self.patterns)
        raise KeyError(f"unknown pattern {name!r}; known patterns: {known}")


@cache
def catalog(backend: str = SQLITE) -> Catalog:
    """The catalog for ``backend``.

    Raises:
        KeyError: a backend the demo does not run on.
    """
    natives = {
        SQLITE: (native_patterns.SQLITE, native_patterns.SQLITE_GATHERS),
        POSTGRESQL: (native_patterns.POSTGRESQL, native_patterns.POSTGRESQL_GATHERS),
    }
    if backend not in natives:
        raise KeyError(f"the demo does not run on {backend!r}")
    fetches, gathers = natives[backend]
    return Catalog(
        backend,
        (
            *orm_patterns.BEFORE_NATIVE,
            *fetches,
            *orm_patterns.AFTER_NATIVE,
            *gathers,
        ),
    )


PATTERNS: Catalog = catalog(SQLITE)
"""The SQLite catalog: the demo's default database."""


def pattern_of(spec: "RunSpec") -> Pattern | None:
    """The catalog pattern a run is, if it is one (a typed URL is not)."""
    return spec.pattern if isinstance(spec.pattern, Pattern) else None


def find(name: str, backend: str = SQLITE) -> Pattern:
    """The pattern called ``name`` in ``backend``'s catalog.

    Raises:
        KeyError: with a message listing the known names.
    """
    return catalog(backend).find(name)
