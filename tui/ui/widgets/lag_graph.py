"""A bar graph of latencies on a fixed logarithmic scale, with labelled decades.

Textual's ``Sparkline`` scales each trace to its own minimum and maximum, so a
5 ms jitter would look as tall as a 2 s freeze. Here every graph shares one
fixed scale, 1 ms to 10 s, and the decades are labelled on the left.
"""

import math
import re

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.instrument.formatting import format_seconds

SCALE_LOW = 0.001
"""The log scale's floor (seconds); the linear scale starts at 0."""
SCALE_HIGH = 10.0
DECADES = ((10.0, "10 s"), (1.0, "1 s"), (0.1, "100 ms"), (0.01, "10 ms"))
LABEL_WIDTH = 7
BLOCKS = " ▁▂▃▄▅▆▇█"
BLANKS = re.compile("( +)")

GOOD, WARN = 0.01, 0.1
"""Thresholds (seconds) between green, yellow and red."""


SEVERITY_STYLES = ("green", "yellow", "bold red")

Mark = tuple[int, int, str]
"""A run on the graph: its first and last column, and its label (``#3``)."""
Picture = tuple[Size, tuple[int, ...], tuple[str, ...], float | None, tuple[Mark, ...]]
"""What a graph shows: its size, each column's height and colour, the linear
scale's top (None on the log scale) and the runs marked along its top."""


def severity_style(seconds: float | None) -> str:
    """The colour for a latency: green below 10 ms, yellow below 100 ms, else red."""
    if seconds is None or seconds < GOOD:
        return "green"
    return "yellow" if seconds < WARN else "bold red"


def scale_fraction(seconds: float | None, top: float | None = None) -> float:
    """Where ``seconds`` sits on the scale, from 0.0 to 1.0.

    On the log scale (``top`` None) 1 ms or less is 0.0 and 10 s is 1.0; on
    a linear one 0 is 0.0 and ``top`` is 1.0.
    """
    if top is not None:
        return min(1.0, max(0.0, (seconds or 0.0) / top))
    if not seconds or seconds <= SCALE_LOW:
        return 0.0
    span = math.log10(SCALE_HIGH / SCALE_LOW)
    return min(1.0, math.log10(seconds / SCALE_LOW) / span)


THRESHOLDS = ((0.05, "50 ms", "long task"), (0.016, "16 ms", "frame"))
"""Lines drawn across the graph: a frame at 60 Hz, and a browser's long task;
each with its value and, where there is room, what it is."""
WIDE_PLOT = 60
"""Columns of bars that leave room for the thresholds' words in the legend."""


def legend_width(width: int) -> int:
    """Columns kept right of the bars for the thresholds' labels.

    A fixed place, by the graph's width alone: the labels never move as bars
    pass under them, never vanish, and the graphs of one panel stay aligned.
    """
    words = max(len(f" {value} {what}") for _, value, what in THRESHOLDS)
    return words if width - LABEL_WIDTH - words >= WIDE_PLOT else SHORT_LEGEND


SHORT_LEGEND = len(" 50, 16 ms")
"""A narrow graph's legend: the values alone, two of them when a short graph
draws both lines in one row."""
LINEAR_TOPS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
"""The linear scale's top: the first of these at or above the largest value."""


def linear_top(values: tuple[float | None, ...]) -> float:
    """A round top for a linear scale that fits every value shown."""
    largest = max((v for v in values if v is not None), default=0.0)
    return next((top for top in LINEAR_TOPS if top >= largest), LINEAR_TOPS[-1])


class LagGraph(Widget):
    """Columns of latency, newest on the right, on the shared log scale.

    Drawn line by line with one segment per run of equal colour: a graph is
    fed ten times a second, and a span per cell would cost the loop more than
    the lag it is there to show. New values repaint only when they change the
    picture (a cell's height or colour), so an idle loop, whose lag sits below
    the 1 ms floor, costs no redraw at all.
    """

    DEFAULT_CSS = """
    LagGraph {
        height: 5;
        min-height: 2;
    }
    """

    values: reactive[tuple[float | None, ...]] = reactive(
        tuple, layout=False, repaint=False
    )
    """One value (seconds) per column, oldest first; None where nothing was seen."""

    marks: reactive[tuple[Mark, ...]] = reactive(tuple, layout=False, repaint=False)
    """Runs to mark along the top row, so a spike can be told to a run."""

    linear: reactive[bool] = reactive(False, layout=False, repaint=False)
    """A linear scale from 0 to a round top, instead of the log scale: a 100 ms
    spike then towers over 5 ms of jitter instead of standing one row above."""

    linear_at_least = 0.0
    """The linear scale's top fits at least this (seconds): a replay sets the
    run's largest value, so the scale does not change as the run unfolds."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Strip] | None = None
        self._picture: Picture | None = None

    def watch_linear(self) -> None:
        self._lines = self._picture = None
        self.refresh()

    @property
    def columns(self) -> int:
        """How many data columns fit between the axis labels and the legend."""
        width = self.size.width
        return max(1, width - LABEL_WIDTH - legend_width(width))

    def watch_marks(self) -> None:
        self.watch_values()

    def watch_values(self) -> None:
        picture = self._cells()
        if picture == self._picture:
            return
        old = self._lines
        self._lines = new = self._draw(picture)
        # Repaint only the rows that changed: an idle graph scrolls one row of
        # small bars, and every row repainted is a row written to the terminal.
        changed = [
            y
            for y, line in enumerate(new)
            if old is None or y >= len(old) or old[y] != line
        ]
        if changed:
            top = changed[0]
            self.refresh(Region(0, top, self.size.width, changed[-1] - top + 1))

    def on_resize(self) -> None:
        # Textual painted the old rows at the new size before this ran; the
        # labels move with the height, so draw it all again.
        self._lines = self._picture = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # The theme's colours are baked into the lines.
        self._lines = self._picture = None

    def _cells(self) -> Picture:
        """The graph's size, and each column's height in eighths and colour."""
        height, width = max(1, self.size.height), self.columns
        shown: list[float | None] = list(self.values)[-width:]
        values = [None] * (width - len(shown)) + shown
        top = linear_top((*values, self.linear_at_least)) if self.linear else None
        levels = tuple(round(scale_fraction(v, top) * height * 8) for v in values)
        colours = tuple(severity_style(v) for v in values)
        return self.size, levels, colours, top, self.marks

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._draw()
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.rich_style)

    @staticmethod
    def _row_of(value: float, height: int, top: float | None) -> int:
        return height - 1 - min(height - 1, int(scale_fraction(value, top) * height))

    def _label_rows(self, height: int, top: float | None) -> dict[int, str]:
        rows: dict[int, str] = {}
        if top is None:
            marks: tuple[tuple[float, str], ...] = DECADES
        else:
            # A linear axis labels its steps, not only its top: a half, and
            # quarters where there are rows enough to tell them apart.
            parts = (1.0, 0.75, 0.5, 0.25) if height >= 8 else (1.0, 0.5)
            marks = tuple((top * part, format_seconds(top * part)) for part in parts)
        for value, label in marks:
            rows.setdefault(self._row_of(value, height, top), label)
        return rows

    def _threshold_rows(self, height: int, top: float | None) -> dict[int, str]:
        """The rows the threshold lines cross, with their labels.

        Two lines in one row (a short graph) share it: ``50, 16 ms``.
        """
        found: dict[int, list[tuple[str, str]]] = {}
        if height < 3:
            return {}  # too short to tell a line from the bars
        for value, label, what in THRESHOLDS:
            if top is not None and value > top:
                continue
            found.setdefault(self._row_of(value, height, top), []).append((label, what))
        words = legend_width(self.size.width) > SHORT_LEGEND
        rows = {}
        for row, labels in found.items():
            if len(labels) == 1:
                label, what = labels[0]
                rows[row] = f"{label} {what}" if words else label
            else:
                values = ", ".join(label.removesuffix(" ms") for label, _ in labels)
                rows[row] = f"{values} ms"
        return rows

    def _draw(self, picture: Picture | None = None) -> list[Strip]:
        height = max(1, self.size.height)
        self._picture = _, levels, colours, top, marks = picture or self._cells()
        base = self.rich_style
        styles = {name: base + Style.parse(name) for name in SEVERITY_STYLES}
        label_style = base + Style(dim=True)
        line_style = base + Style(dim=True)
        labels = self._label_rows(height, top)
        thresholds = self._threshold_rows(height, top)
        # Each column's glyphs from the bottom up, read across by zip: string
        # work in C instead of a tuple per cell. A frame at 160x45 draws two
        # graphs of about 1,000 cells each, ten times a second during a run.
        glyphs = [
            ("█" * (level // 8) + BLOCKS[level % 8].strip()).ljust(height)[:height]
            for level in levels
        ]
        # Every column holds exactly `height` glyphs.
        across = ["".join(row) for row in zip(*glyphs, strict=True)] if glyphs else []
        spans = _colour_spans(colours)
        legend = legend_width(self.size.width)
        lines = []
        for row in range(height):
            gutter = f"{labels.get(row, ''):>{LABEL_WIDTH - 1}}┤"
            text = across[height - 1 - row] if across else ""
            if row in thresholds or (row == 0 and height >= 3 and marks):
                cells = [
                    (char, styles[colour] if char != " " else base)
                    for char, colour in zip(text, colours, strict=True)
                ]
                if row in thresholds:
                    _rule(cells, line_style)
                if row == 0 and height >= 3:
                    _mark_runs(cells, marks, base + Style(bold=True))
                segments = _runs(cells)
            else:
                segments = _row_segments(text, spans, styles, base)
            # The threshold's label in the legend, right of the newest bars.
            key = f" {thresholds.get(row, '')}"[:legend].ljust(legend)
            lines.append(
                Strip(
                    [
                        Segment(gutter, label_style),
                        *segments,
                        Segment(" " * (len(levels) - len(text))),
                        Segment(key, label_style),
                    ]
                )
            )
        width = self.size.width
        return [line.crop_extend(0, width, base) for line in lines]


def _rule(cells: list[tuple[str, Style]], style: Style) -> None:
    """Draw a dashed line on the empty cells only: it runs behind the bars.

    Its label is in the legend beside the graph, where no bar can reach it.
    """
    for index, (char, _) in enumerate(cells):
        if char == " ":
            cells[index] = ("╌", style)


def _colour_spans(colours: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Runs of columns of one colour: ``(first, end, colour)``."""
    spans: list[tuple[int, int, str]] = []
    for index, colour in enumerate(colours):
        if spans and spans[-1][2] == colour:
            spans[-1] = (spans[-1][0], index + 1, colour)
        else:
            spans.append((index, index + 1, colour))
    return spans


def _row_segments(
    text: str, spans: list[tuple[int, int, str]], styles: dict[str, Style], base: Style
) -> list[Segment]:
    """A row without lines or marks: the same segments ``_runs`` would give."""
    pieces: list[tuple[str, Style]] = []
    for first, end, colour in spans:
        for part in BLANKS.split(text[first:end]):
            if part:
                style = base if part[0] == " " else styles[colour]
                if pieces and pieces[-1][1] is style:
                    pieces[-1] = (pieces[-1][0] + part, style)
                else:
                    pieces.append((part, style))
    return [Segment(part, style) for part, style in pieces]


def _runs(cells: list[tuple[str, Style]]) -> list[Segment]:
    """One segment per run of cells of the same style."""
    segments: list[Segment] = []
    run: list[str] = []
    run_style: Style | None = None
    for char, style in cells:
        if style is not run_style and run:
            segments.append(Segment("".join(run), run_style))
            run = []
        run_style = style
        run.append(char)
    if run:
        segments.append(Segment("".join(run), run_style))
    return segments


def _mark_runs(
    cells: list[tuple[str, Style]], marks: tuple[Mark, ...], style: Style
) -> None:
    """``#3─────╴`` over each run's columns, on the empty cells only.

    Newest first: a label is drawn only whole, on empty cells, with an empty
    cell or a line after it, so two numbers never run together ("#4142" for
    #41 and #42); a run whose number does not fit goes unmarked, its number
    being in the runs table. A run that has just started, at the right edge,
    has its number moved left to fit rather than cut ("#4" for #42).
    """
    width = len(cells)
    for first, last, label in reversed(marks):
        start = max(0, min(first, width - len(label)))
        after = start + len(label)
        free = all(
            index < width and cells[index][0] == " " for index in range(start, after)
        )
        if not free or (after < width and cells[after][0] not in " ─╴"):
            continue
        # The number whole even over a run one column wide.
        span = last - start + 1
        tail = "─" * (span - len(label) - 1) + "╴" if span > len(label) else ""
        for offset, char in enumerate(label + tail):
            index = start + offset
            if index < width and cells[index][0] == " ":
                cells[index] = (char, style)
