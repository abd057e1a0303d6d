"""What to run: one frozen, validated record, and the one name a run goes by.

A ``RunSpec`` is a request first: a method and a path (with its query), how
many concurrent requests fire it, and the simulated network latency their
statements run with. A key press, a tour step, a quiz question, a typed URL
and a ``--patterns`` or ``--urls`` item all turn into one before anything is
sent. A catalog pattern, where there is one (the demo's), rides along as
metadata for labels, the code panel and the lessons; the engine needs none.
Every limit is checked here, once, and its ``label`` is the run's name on
the screen, in the headless table and in every export.

Pure data, standard library only.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import urlsplit

MAX_BURST = 20
"""Concurrent requests one run may fire."""
MAX_LATENCY_MS = 5000.0
"""Simulated round trip per statement, in milliseconds."""
LATENCY_STEPS_MS = (0.0, 5.0, 20.0, 50.0, 100.0, 200.0)
"""What the presenter's ``+`` and ``-`` keys step through."""
READING = ("GET", "HEAD")
"""Methods that only read, as a browser visiting pages does."""
METHODS = (*READING, "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_PATH = 2000
"""Characters a path (with its query) may have."""


class SpecError(ValueError):
    """A run cannot be made from what was given; the message says why."""


class PatternInfo(Protocol):
    """What a catalog entry tells about a run (``tui.lessons.patterns.Pattern``)."""

    @property
    def name(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def blocks_loop(self) -> bool: ...


Catalog = Callable[[str], PatternInfo]
"""Finds a pattern by name; raises ``KeyError`` with the known names."""


@dataclass(frozen=True)
class RunSpec:
    """One run: a request, fired ``burst`` times at once, at a given latency.

    Attributes:
        path: The path and query the requests go to: ``/gather/orm?n=5``.
        burst: Concurrent requests, 1 to ``MAX_BURST``.
        latency_ms: Simulated round trip per statement for this run only;
            None means "whatever the session is set to", which the engine
            fills in when it accepts the run, so a result always records the
            latency that really applied.
        method: The HTTP method; ``GET`` or ``HEAD`` unless writes are allowed.
        pattern: The catalog pattern this request is, if any: labels, the
            code panel and the lessons read it; the engine does not.
    """

    path: str
    burst: int = 1
    latency_ms: float | None = None
    method: str = "GET"
    pattern: PatternInfo | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not _is_path(self.path):
            raise SpecError(
                f"{self.path!r} is not a path such as /books/?page=2 "
                f"(a leading /, no spaces, at most {MAX_PATH} characters)"
            )
        if type(self.burst) is not int or not 1 <= self.burst <= MAX_BURST:
            raise SpecError(f"burst must be 1 to {MAX_BURST}, not {self.burst!r}")
        if self.latency_ms is not None:
            # Frozen, so set through object: 50 from a TOML file becomes 50.0.
            object.__setattr__(self, "latency_ms", check_latency(self.latency_ms))
        if self.method not in METHODS:
            raise SpecError(f"{self.method!r} is not one of {', '.join(METHODS)}")

    @classmethod
    def of(
        cls,
        pattern: PatternInfo,
        burst: int = 1,
        latency_ms: float | None = None,
        query: str | None = None,
    ) -> "RunSpec":
        """A catalog pattern's run; ``query`` replaces its URL's query string.

        Raises:
            SpecError: for a query that is not ``name=value`` pairs, or a limit.
        """
        path = pattern.url
        if query is not None:
            if not _is_query(query):
                raise SpecError(f"{query!r} is not a query string such as n=1")
            path = f"{urlsplit(pattern.url).path}?{query}"
        return cls(path, burst, latency_ms, "GET", pattern)

    @classmethod
    def parse(
        cls,
        text: str,
        latency_ms: float | None = None,
        catalog: Catalog | None = None,
    ) -> "RunSpec":
        """Read a label back: ``/books/``, ``HEAD /:3``, ``gather-orm?n=1:5``.

        A path starts with ``/`` (a method may come before it); anything else
        is a pattern name in ``catalog``. ``:N`` at the end fires N at once.

        Raises:
            SpecError: naming the known patterns, or the limit that was broken.
        """
        body, burst = _split_burst(text.strip())
        method, _, rest = body.partition(" ")
        if rest.startswith("/") and method.upper() in METHODS:
            return cls(rest, burst, latency_ms, method.upper())
        if body.startswith("/"):
            return cls(body, burst, latency_ms)
        if catalog is None:
            raise SpecError(f"{body!r} is not a path: give one starting with /")
        name, question, query = body.partition("?")
        try:
            pattern = catalog(name)
        except KeyError as error:
            raise SpecError(error.args[0]) from None
        return cls.of(pattern, burst, latency_ms, query if question else None)

    @property
    def url(self) -> str:
        """The path and query the requests go to."""
        return self.path

    @property
    def writes(self) -> bool:
        """Whether the method may change data (anything but GET and HEAD)."""
        return self.method not in READING

    @property
    def name(self) -> str:
        """The pattern's name, else the request: ``HEAD /books/``, ``/books/``."""
        if self.pattern is not None:
            if self.path == self.pattern.url:
                return self.pattern.name
            query = urlsplit(self.path).query
            return f"{self.pattern.name}?{query}" if query else self.pattern.name
        return self.path if self.method == "GET" else f"{self.method} {self.path}"

    @property
    def title(self) -> str:
        """The pattern's title, else the request."""
        return self.pattern.title if self.pattern is not None else self.name

    @property
    def blocks_loop(self) -> bool:
        """Whether the pattern blocks the loop on purpose (never for a URL)."""
        return self.pattern is not None and self.pattern.blocks_loop

    @property
    def label(self) -> str:
        """The run's one name everywhere; ``RunSpec.parse`` reads it back."""
        return self.name if self.burst == 1 else f"{self.name}:{self.burst}"

    def at_latency(self, latency_ms: float) -> "RunSpec":
        """This spec with its latency filled in, unless it has one already."""
        if self.latency_ms is not None:
            return self
        return replace(self, latency_ms=latency_ms)


def check_latency(latency_ms: float) -> float:
    """Return ``latency_ms`` if it is a usable latency, else raise ``SpecError``."""
    if (
        isinstance(latency_ms, bool)
        or not isinstance(latency_ms, int | float)
        or not math.isfinite(latency_ms)
        or not 0 <= latency_ms <= MAX_LATENCY_MS
    ):
        raise SpecError(
            f"latency must be 0 to {MAX_LATENCY_MS:g} ms, not {latency_ms!r}"
        )
    return float(latency_ms)


def step_latency(current: float, direction: int) -> float:
    """The next latency step up (``direction`` > 0) or down from ``current``."""
    if direction > 0:
        return next((s for s in LATENCY_STEPS_MS if s > current), current)
    return next((s for s in reversed(LATENCY_STEPS_MS) if s < current), 0.0)


def _split_burst(text: str) -> tuple[str, int]:
    """``async-for:5`` -> (``async-for``, 5); a colon inside a path is kept."""
    body, colon, tail = text.rpartition(":")
    if not colon:
        return text, 1
    if not tail.isdigit():
        if body.startswith("/") or " /" in body:
            return text, 1  # a colon that belongs to the path
        raise SpecError(f"{tail!r} is not a burst size")
    return body, int(tail)


def _is_path(text: str) -> bool:
    # Shown on screen, written to files and parsed back from the command
    # line: a path of printable characters, without spaces.
    return (
        text.startswith("/")
        and len(text) <= MAX_PATH
        and re.fullmatch(r"[\x21-\x7e]+", text, re.ASCII) is not None
    )


def _is_query(text: str) -> bool:
    # Only name=value pairs of safe characters: the label is shown on screen
    # and in file names, and parsed back from the command line.
    return (
        re.fullmatch(r"[\w.-]+=[\w.-]*(&[\w.-]+=[\w.-]*)*", text, re.ASCII) is not None
    )
