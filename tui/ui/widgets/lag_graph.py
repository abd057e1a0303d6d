"""A bar graph of latencies on a fixed logarithmic scale, with labelled decades.

Textual's ``Sparkline`` scales each trace to its own minimum and maximum, so a
5 ms jitter would look as tall as a 2 s freeze. Here every graph shares one
fixed scale, 1 ms to 10 s, and the decades are labelled on the left.
"""

import math
import re

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
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


THRESHOLDS = ((0.05, "50 ms long task"), (0.016, "16 ms frame"))
"""Lines drawn across the graph: a frame at 60 Hz, and a browser's long task."""
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
        """How many data columns fit beside the axis labels."""
        return max(1, self.size.width - LABEL_WIDTH)

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
        marks = DECADES if top is None else ((top, format_seconds(top)), (top / 2, ""))
        for value, label in marks:
            rows.setdefault(self._row_of(value, height, top), label)
        return rows

    def _threshold_rows(self, height: int, top: float | None) -> dict[int, str]:
        """The rows the threshold lines cross, with their labels (top wins)."""
        rows: dict[int, str] = {}
        if height < 3:
            return rows  # too short to tell a line from the bars
        for value, label in THRESHOLDS:
            if top is not None and value > top:
                continue
            rows.setdefault(self._row_of(value, height, top), label)
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
                    _rule(cells, f" {thresholds[row]} ", line_style)
                if row == 0 and height >= 3:
                    _mark_runs(cells, marks, base + Style(bold=True))
                segments = _runs(cells)
            else:
                segments = _row_segments(text, spans, styles, base)
            lines.append(Strip([Segment(gutter, label_style), *segments]))
        width = self.size.width
        return [line.crop_extend(0, width, base) for line in lines]


class StatsLine(Widget):
    """``loop lag  now 0.4 ms  max 750 ms  p99 12.0 ms``, each number coloured.

    A widget of fixed height whose figures are reactive without layout, so an
    update repaints one line instead of reflowing the screen.
    """

    DEFAULT_CSS = """
    StatsLine {
        height: 1;
    }
    """

    figures: reactive[tuple[float | None, float | None, float | None]] = reactive(
        (None, None, None), layout=False
    )
    """now, window max and window p99, in seconds."""

    def __init__(self, name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = name

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        # 48 cells fit it spaced out; an 80-column terminal has 42 to spare,
        # where "loop lag" becomes "lag" so that no unit is cut.
        wide = self.size.width >= 48
        label = self.label if wide else self.label.split()[-1]
        text.append(f"{label:<8}" if wide else f"{label:<4}", style="bold")
        gap = "  " if wide else " "
        for label, value in zip(("now", "max", "p99"), self.figures, strict=True):
            text.append(f"{gap}{label} ", style="dim")
            text.append(f"{format_seconds(value):>6}", style=severity_style(value))
        return text


def _rule(cells: list[tuple[str, Style]], label: str, style: Style) -> None:
    """Draw a dashed line with ``label`` on it, on the empty cells only.

    Bars are never covered: the line runs behind them. The label goes in the
    rightmost stretch of empty cells it fits, whole or not at all: a bar
    through it would leave letters that read as nothing ("a▃e").
    """
    width = len(cells)
    padded = f" {label} "
    free = [char == " " for char, _ in cells]
    start = next(
        (
            at
            for at in range(width - len(padded), 0, -1)
            if all(free[at : at + len(padded)])
        ),
        None,
    )
    text = ["╌"] * width
    if start is not None:
        text[start : start + len(padded)] = padded
    for index, char in enumerate(text):
        if free[index]:
            cells[index] = (char, style)


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


class TimeAxis(Widget):
    """``-30 s ┴ … -20 s ┴ … -10 s ┴ … now`` under the graphs, column for column."""

    DEFAULT_CSS = """
    TimeAxis {
        height: 1;
    }
    """

    def __init__(self, column_seconds: float, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.column_seconds = column_seconds

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y or width <= LABEL_WIDTH:
            return Strip.blank(width, self.rich_style)
        columns = width - LABEL_WIDTH
        cells = [" "] * columns
        every = max(1, round(10 / self.column_seconds))  # a mark every 10 s
        for back in range(every, columns, every):
            label = f"-{back * self.column_seconds:g} s┴"
            end = columns - back
            start = end - len(label) + 1
            if start >= 0:
                cells[start : end + 1] = label
        cells[-3:] = "now"
        text = " " * LABEL_WIDTH + "".join(cells)
        style = self.rich_style + Style(dim=True)
        return Strip([Segment(text, style)]).crop_extend(0, width, self.rich_style)
