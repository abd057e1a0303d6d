"""A bar graph of latencies on a fixed logarithmic scale, with labelled decades.

Textual's ``Sparkline`` scales each trace to its own minimum and maximum, so a
5 ms jitter would look as tall as a 2 s freeze. Here every graph shares one
fixed scale, 1 ms to 10 s, and the decades are labelled on the left.
"""

import math

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.formatting import format_seconds

SCALE_LOW = 0.001
SCALE_HIGH = 10.0
DECADES = ((10.0, "10 s"), (1.0, "1 s"), (0.1, "100 ms"), (0.01, "10 ms"))
LABEL_WIDTH = 7
BLOCKS = " ▁▂▃▄▅▆▇█"

GOOD, WARN = 0.01, 0.1
"""Thresholds (seconds) between green, yellow and red."""


SEVERITY_STYLES = ("green", "yellow", "bold red")

Picture = tuple[Size, tuple[int, ...], tuple[str, ...]]
"""What a graph shows: its size, and each column's height and colour."""


def severity_style(seconds: float | None) -> str:
    """The colour for a latency: green below 10 ms, yellow below 100 ms, else red."""
    if seconds is None or seconds < GOOD:
        return "green"
    return "yellow" if seconds < WARN else "bold red"


def scale_fraction(seconds: float | None) -> float:
    """Where ``seconds`` sits on the log scale: 0.0 at 1 ms or less, 1.0 at 10 s."""
    if not seconds or seconds <= SCALE_LOW:
        return 0.0
    span = math.log10(SCALE_HIGH / SCALE_LOW)
    return min(1.0, math.log10(seconds / SCALE_LOW) / span)


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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Strip] | None = None
        self._picture: Picture | None = None

    @property
    def columns(self) -> int:
        """How many data columns fit beside the axis labels."""
        return max(1, self.size.width - LABEL_WIDTH)

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
        levels = tuple(round(scale_fraction(v) * height * 8) for v in values)
        colours = tuple(severity_style(v) for v in values)
        return self.size, levels, colours

    def render_line(self, y: int) -> Strip:
        if self._lines is None:
            self._lines = self._draw()
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _label_rows(self, height: int) -> dict[int, str]:
        rows: dict[int, str] = {}
        for value, label in DECADES:
            row = height - 1 - min(height - 1, int(scale_fraction(value) * height))
            rows.setdefault(row, label)
        return rows

    def _draw(self, picture: Picture | None = None) -> list[Strip]:
        height = max(1, self.size.height)
        self._picture = _, levels, colours = picture or self._cells()
        base = self.rich_style
        styles = {name: base + Style.parse(name) for name in SEVERITY_STYLES}
        label_style = base + Style(dim=True)
        labels = self._label_rows(height)
        lines = []
        for row in range(height):
            floor = (height - 1 - row) * 8
            segments = [
                Segment(f"{labels.get(row, ''):>{LABEL_WIDTH - 1}}┤", label_style)
            ]
            run_style: Style | None = None
            run: list[str] = []
            for colour, level in zip(colours, levels, strict=True):
                fill = min(8, max(0, level - floor))
                style = styles[colour] if fill else run_style
                if style is not run_style and run:
                    segments.append(Segment("".join(run), run_style or base))
                    run = []
                run_style = style
                run.append(BLOCKS[fill])
            if run:
                segments.append(Segment("".join(run), run_style or base))
            lines.append(Strip(segments, self.size.width))
        return lines


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
        text.append(f"{self.label:<8}", style="bold")
        # 44 cells fit it spaced out; an 80-column terminal has 42 to spare.
        gap = "  " if self.size.width >= 44 else " "
        for label, value in zip(("now", "max", "p99"), self.figures, strict=True):
            text.append(f"{gap}{label} ", style="dim")
            text.append(f"{format_seconds(value):>6}", style=severity_style(value))
        return text
