"""The guided tour: a speaker's script of steps, each told, then run live.

The script is data (``tui/lessons/tour.toml`` by default): every ``[[step]]`` has a
caption shown *before* the run, the pattern to run, and optionally a burst
size, a simulated latency and a banner template. Captions say what to watch
for; numbers only ever come from the measurement, through the banner.

Pure logic, no UI: a screen drives a ``Tour`` (Space -> ``advance()``,
Backspace -> ``back()``) and has each step's ``spec`` run.
"""

import enum
import re
import stat
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

from tui.engine.results import RunResult
from tui.engine.runs import RunSpec, SpecError
from tui.instrument.formatting import describe_threads, format_seconds
from tui.instrument.printable import printable
from tui.lessons.patterns import BACKENDS, SQLITE, Catalog, catalog

DEFAULT_TOUR = Path(__file__).with_name("tour.toml")
MAX_TOUR_BYTES = 1_000_000
"""A tour script larger than this is refused (a speaker's script is a few kB)."""
MAX_FIELD_WIDTH = 200
"""The widest a banner field may be formatted, e.g. ``{rows:>12,}``."""
STEP_KEYS = ("caption", "pattern", "burst", "latency_ms", "banner", "backend")

TIME_FIELDS = (
    "wall",
    "slowest",
    "loop_max_lag",
    "loop_p99_lag",
    "loop_blocked",
    "ping_p99",
    "ping_max",
)
"""Banner fields written as durations (``format_seconds``); ``slowest`` is the
slowest single request of a burst."""
NUMBER_FIELDS = ("rows", "queries", "burst", "latency_ms")
TEXT_FIELDS = (
    "verdict",
    "blocked_share",
    "threads",
    "query_threads",
    "view_threads",
    "pattern",
    "title",
    "error",
)
"""``threads`` is a summary ("1 worker"), ``query_threads`` the names;
``blocked_share`` a percentage."""
BANNER_FIELDS = frozenset((*TIME_FIELDS, *NUMBER_FIELDS, *TEXT_FIELDS))

# Stand-ins used to try every template at load time, typed like the real thing.
_SAMPLE_FIELDS: dict[str, Any] = {
    **dict.fromkeys(TIME_FIELDS, "1.00 s"),
    **dict.fromkeys(NUMBER_FIELDS, 1),
    "latency_ms": 0.5,
    **dict.fromkeys(TEXT_FIELDS, "text"),
}


class TourError(Exception):
    """The tour script cannot be used; the message says where and why."""


def banner_fields(result: RunResult) -> dict[str, Any]:
    """The values a banner template can use, formatted for people."""
    latency = result.latency_ms
    return {
        "wall": format_seconds(result.wall),
        "slowest": format_seconds(max(result.request_walls, default=result.wall)),
        "loop_max_lag": format_seconds(result.loop_max_lag),
        "loop_p99_lag": format_seconds(result.loop_p99_lag),
        "loop_blocked": format_seconds(result.loop_blocked),
        "ping_p99": format_seconds(result.ping_p99),
        "ping_max": format_seconds(result.ping_max),
        "rows": result.rows,
        "queries": result.queries,
        "burst": result.burst,
        "latency_ms": int(latency) if float(latency).is_integer() else latency,
        "verdict": result.verdict,
        "blocked_share": f"{result.blocked_share:.0%}",
        "threads": describe_threads(result.query_threads),
        "query_threads": ", ".join(result.query_threads) or "none",
        "view_threads": ", ".join(result.view_threads) or "none",
        "pattern": result.pattern,
        "title": result.title,
        "error": printable(result.error or ""),
    }


def template_fields(template: str) -> set[str]:
    """The field names a ``str.format`` template uses.

    Raises:
        ValueError: if the braces do not parse.
    """
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


@dataclass(frozen=True)
class TourStep:
    """One step of the tour: told first, then run live, then judged by numbers."""

    caption: str
    """What the audience is about to see, shown before the run."""
    spec: RunSpec
    """What runs; a latency of None means the presenter's current one."""
    banner: str | None = None
    """A template over ``BANNER_FIELDS``; None shows the result's verdict."""

    def banner_for(self, result: RunResult) -> str:
        """The sentence to show once ``result`` is in.

        A template that uses ``{error}`` is written for a run that failed, any
        other for one that succeeded; when the run went the other way, the
        measured verdict is shown instead, so a banner never claims an outcome
        that did not happen.
        """
        if self.banner is None:
            return result.verdict
        if ("error" in template_fields(self.banner)) != bool(result.error):
            return result.verdict
        return self.banner.format_map(banner_fields(result))


def load_tour(path: Path | None = None, backend: str = SQLITE) -> tuple[TourStep, ...]:
    """Read a tour script; the packaged ``tui/lessons/tour.toml`` by default.

    A step with ``backend = "postgresql"`` (or ``"sqlite"``) is for that
    database only: the steps kept are those for ``backend`` and for every
    backend, their patterns from ``backend``'s catalog.

    Raises:
        TourError: with the file, the step number and what is wrong.
    """
    path = DEFAULT_TOUR if path is None else Path(path)
    try:
        # Looked at before it is opened: a FIFO would block the open and a
        # device such as /dev/zero would never end.
        if not stat.S_ISREG(path.stat().st_mode):
            raise TourError(f"{path}: not a regular file")
        with path.open("rb") as file:
            raw = file.read(MAX_TOUR_BYTES + 1)
        if len(raw) > MAX_TOUR_BYTES:
            raise TourError(f"{path}: larger than {MAX_TOUR_BYTES:,} bytes")
        # utf-8-sig: editors on Windows start UTF-8 files with a byte order mark.
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except OSError as error:
        raise TourError(f"{path}: cannot read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise TourError(f"{path}: not valid TOML: {error}") from None
    except RecursionError:
        # tomllib parses nested arrays and tables recursively; thousands of
        # levels exhaust the stack, which must not end the app.
        raise TourError(
            f"{path}: arrays or tables nested too deeply; a tour is a list of "
            "[[step]] tables of plain values"
        ) from None
    unknown = sorted(set(data) - {"step"})
    if unknown:
        raise TourError(f"{path}: unknown key {unknown[0]!r}; write steps as [[step]]")
    tables = data.get("step", [])
    if not isinstance(tables, list) or not tables:
        raise TourError(f"{path}: no steps; add at least one [[step]] table")
    steps = [
        _parse_step(table, f"{path}: step {number}", catalog(backend))
        for number, table in enumerate(tables, start=1)
    ]
    kept = tuple(step for step, for_backend in steps if for_backend in (None, backend))
    if not kept:
        raise TourError(f"{path}: no steps for {backend}; add one without a backend")
    return kept


def _parse_step(
    table: Any, where: str, patterns: Catalog
) -> tuple[TourStep, str | None]:
    if not isinstance(table, dict):
        raise TourError(f"{where}: must be a [[step]] table")
    unknown = sorted(set(table) - set(STEP_KEYS))
    if unknown:
        allowed = ", ".join(STEP_KEYS)
        raise TourError(f"{where}: unknown key {unknown[0]!r} (allowed: {allowed})")
    caption = table.get("caption")
    if not isinstance(caption, str) or not caption.strip():
        raise TourError(f"{where}: caption is missing or empty")
    backend = table.get("backend")
    if backend is not None and backend not in BACKENDS:
        raise TourError(
            f"{where}: backend {backend!r} is unknown; use one of {', '.join(BACKENDS)}"
        )
    name = table.get("pattern")
    try:
        if not isinstance(name, str):
            raise KeyError(name)
        pattern = patterns.find(name)
    except KeyError:
        known = ", ".join(p.name for p in patterns)
        raise TourError(
            f"{where}: unknown pattern {name!r}; known patterns: {known}"
        ) from None
    try:
        spec = RunSpec.of(pattern, table.get("burst", 1), table.get("latency_ms"))
    except SpecError as error:
        raise TourError(f"{where}: {error}") from None
    banner = table.get("banner")
    if banner is not None:
        _check_banner(banner, where)
    # Shown as written, never obeyed: an ESC in a caption would clear the
    # screen or retitle the terminal (tui/instrument/printable.py).
    step = TourStep(
        caption=printable(" ".join(caption.split())),  # speakers wrap lines
        spec=spec,
        banner=None if banner is None else printable(banner),
    )
    return step, backend


def _check_banner(banner: Any, where: str) -> None:
    if not isinstance(banner, str):
        raise TourError(f"{where}: banner must be a string, not {banner!r}")
    try:
        unknown = sorted(template_fields(banner) - BANNER_FIELDS)
    except ValueError as error:
        raise TourError(f"{where}: banner {banner!r}: {error}") from None
    if unknown:
        known = ", ".join(sorted(BANNER_FIELDS))
        raise TourError(
            f"{where}: banner field {{{unknown[0]}}} is unknown; known fields: {known}"
        )
    for _, name, spec, _ in Formatter().parse(banner):
        # A field inside a format spec ({rows:{queries}{queries}}) is filled
        # in only when the banner is formatted: its width escapes the check
        # below (nine of them made a banner 333 million columns wide).
        if spec and "{" in spec:
            raise TourError(
                f"{where}: banner field {{{name}:{spec}}} has a field inside its "
                "format; write the format out, e.g. {rows:>8,}"
            )
        # A width such as {rows:>999999999} would allocate a gigabyte.
        if spec and any(int(d) > MAX_FIELD_WIDTH for d in re.findall(r"\d+", spec)):
            raise TourError(
                f"{where}: banner field {{{name}:{spec}}} is wider than "
                f"{MAX_FIELD_WIDTH} characters"
            )
    try:
        banner.format_map(_SAMPLE_FIELDS)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as error:
        raise TourError(f"{where}: banner {banner!r}: {error}") from None


class TourAction(enum.Enum):
    """What ``Tour.advance`` did, so the screen knows what to show."""

    RUN = "run"
    """The current step must now run: the screen runs it and calls ``record``."""
    NEXT = "next"
    """Moved on to the next step: show its caption."""
    DONE = "done"
    """The last step has run: nothing further."""
    WAIT = "wait"
    """A run is in flight: nothing changed."""


class Tour:
    """Where the speaker is in the tour, and what each step measured."""

    def __init__(self, steps: Sequence[TourStep]) -> None:
        if not steps:
            raise ValueError("a tour needs at least one step")
        self.steps = tuple(steps)
        self.index = 0
        self.running = False
        """True between ``start_run`` and ``record`` / ``abandon_run``."""
        self._results: dict[int, RunResult] = {}

    @property
    def step(self) -> TourStep:
        """The current step."""
        return self.steps[self.index]

    @property
    def number(self) -> int:
        """The current step's number, counted from 1 (for "step 3 of 8")."""
        return self.index + 1

    @property
    def at_start(self) -> bool:
        return self.index == 0

    @property
    def at_end(self) -> bool:
        return self.index == len(self.steps) - 1

    @property
    def result(self) -> RunResult | None:
        """What the current step measured, if it has run."""
        return self._results.get(self.index)

    def result_of(self, index: int) -> RunResult | None:
        """What step ``index`` (from 0) measured, if it has run."""
        return self._results.get(index)

    def banner(self) -> str | None:
        """The current step's banner, or None until it has a result."""
        result = self.result
        return None if result is None else self.step.banner_for(result)

    def next(self) -> bool:
        """Move to the next step; False (and no move) at the end or mid-run."""
        if self.running or self.at_end:
            return False
        self.index += 1
        return True

    def back(self) -> bool:
        """Move to the previous step; False (and no move) at the start or mid-run."""
        if self.running or self.at_start:
            return False
        self.index -= 1
        return True

    def start_run(self) -> TourStep:
        """Mark the current step as running and return it (also to run it again).

        Raises:
            RuntimeError: if a run is already in flight.
        """
        if self.running:
            raise RuntimeError("a tour step is already running")
        self.running = True
        return self.step

    def record(self, result: RunResult, index: int | None = None) -> None:
        """Keep ``result`` as step ``index``'s measurement (default: the
        current step's); the run is over."""
        self._results[self.index if index is None else index] = result
        self.running = False

    def abandon_run(self) -> None:
        """The run failed without a result: let the speaker retry or move on."""
        self.running = False

    def advance(self) -> TourAction:
        """What Space does: run the current step if it has not run, else move on."""
        if self.running:
            return TourAction.WAIT
        if self.result is None:
            self.start_run()
            return TourAction.RUN
        return TourAction.NEXT if self.next() else TourAction.DONE
