"""The lines beside the graphs: their figures above, the time axis below."""

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from tui.instrument.formatting import format_seconds
from tui.ui.widgets.lag_graph import LABEL_WIDTH, legend_width, severity_style


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
        columns = width - LABEL_WIDTH - legend_width(width)
        if columns <= 3:
            return Strip.blank(width, self.rich_style)
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
