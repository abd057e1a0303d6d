"""What to run: one frozen, validated record, and the one name a run goes by.

A ``RunSpec`` is what a key press, a tour step, a quiz question and a
``--patterns`` item all turn into before anything is sent: a catalog pattern
(optionally with another query string on the same path), how many concurrent
requests fire it, and the simulated network latency its queries run with.
Every limit is checked here, once, and its ``label`` is the run's name on the
screen, in the headless table and in every export.

Pure data, standard library and the pattern catalog only.
"""

import math
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from tui.lessons.patterns import Pattern, find

MAX_BURST = 20
"""Concurrent requests one run may fire."""
MAX_LATENCY_MS = 5000.0
"""Simulated round trip per statement, in milliseconds."""
LATENCY_STEPS_MS = (0.0, 5.0, 20.0, 50.0, 100.0, 200.0)
"""What the presenter's ``+`` and ``-`` keys step through."""


class SpecError(ValueError):
    """A run cannot be made from what was given; the message says why."""


@dataclass(frozen=True)
class RunSpec:
    """One run: a pattern, fired ``burst`` times at once, at a given latency.

    Attributes:
        pattern: The catalog pattern.
        burst: Concurrent requests, 1 to ``MAX_BURST``.
        latency_ms: Simulated round trip per statement for this run only;
            None means "whatever the session is set to", which the engine
            fills in when it accepts the run, so a result always records the
            latency that really applied.
        query: Replaces the pattern URL's query string (same path), e.g.
            ``n=1`` for a gather of one; None keeps the catalog's.
    """

    pattern: Pattern
    burst: int = 1
    latency_ms: float | None = None
    query: str | None = None

    def __post_init__(self) -> None:
        if type(self.burst) is not int or not 1 <= self.burst <= MAX_BURST:
            raise SpecError(f"burst must be 1 to {MAX_BURST}, not {self.burst!r}")
        if self.latency_ms is not None:
            # Frozen, so set through object: 50 from a TOML file becomes 50.0.
            object.__setattr__(self, "latency_ms", check_latency(self.latency_ms))
        if self.query is not None and not _is_query(self.query):
            raise SpecError(f"{self.query!r} is not a query string such as n=1")

    @classmethod
    def parse(cls, text: str, latency_ms: float | None = None) -> "RunSpec":
        """Read a label back: ``async-for``, ``async-for:5``, ``gather-orm?n=1:5``.

        Raises:
            SpecError: naming the known patterns, or the limit that was broken.
        """
        text = text.strip()
        body, colon, burst_text = text.rpartition(":")
        if not colon:
            body, burst_text = text, ""
        name, question, query = body.partition("?")
        try:
            pattern = find(name)
        except KeyError as error:
            raise SpecError(error.args[0]) from None
        burst = 1
        if colon:
            try:
                burst = int(burst_text)
            except ValueError:
                raise SpecError(f"{burst_text!r} is not a burst size") from None
        return cls(pattern, burst, latency_ms, query if question else None)

    @property
    def url(self) -> str:
        """The path and query the requests go to."""
        if self.query is None:
            return self.pattern.url
        return f"{urlsplit(self.pattern.url).path}?{self.query}"

    @property
    def label(self) -> str:
        """The run's one name everywhere; ``RunSpec.parse`` reads it back."""
        name = self.pattern.name
        if self.query is not None:
            name = f"{name}?{self.query}"
        return name if self.burst == 1 else f"{name}:{self.burst}"

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


def _is_query(text: str) -> bool:
    # Only name=value pairs of safe characters: the label is shown on screen
    # and in file names, and parsed back from the command line.
    return (
        re.fullmatch(r"[\w.-]+=[\w.-]*(&[\w.-]+=[\w.-]*)*", text, re.ASCII) is not None
    )
