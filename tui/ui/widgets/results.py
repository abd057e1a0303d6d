"""One row per run: what the view did and what the event loop felt meanwhile.

Not a ``DataTable``: that re-renders every visible cell on any change (its
cell cache is keyed by an update counter), about 15 ms a frame at 160x45, as
much as the lag the demo shows. Here each row is rendered once into a strip
and kept, and the table is a tail: the header, then the newest runs that
fit. No scrolling means no virtual size to change, so a run starting or
finishing costs a repaint of this widget, never a layout of the screen
(21 ms at 160x45). Columns after the verdict are dropped, not scrolled, when
the panel is narrow; every run stays in the exports.
"""

import io
from collections import OrderedDict

from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.engine.results import RunResult
from tui.engine.verdicts import RAISED, STARVED, UNMEASURED
from tui.instrument.formatting import describe_threads, format_count, format_seconds
from tui.instrument.printable import printable
from tui.ui.widgets.lag_graph import severity_style

# The verdict comes right after the pattern, so a narrow terminal still shows
# it; the columns after it are as wide as their values, and whatever width is
# left over goes to the verdict, the one cell whose text is long.
COLUMNS = (
    ("#", 3),
    ("pattern", 17),
    ("verdict", 0),
    ("wall", 7),
    ("loop max", 8),
    ("ping p99", 8),
    ("latency", 7),
    ("rows", 7),
    ("queries on", 10),
)
VERDICT_WIDTH = 36
"""The verdict column gets this much before any column after it is shown."""
FITTED = ("#", "wall", "loop max", "ping p99", "latency", "rows")
"""Columns of figures, widened to their longest value: a cut figure ("17…"
for run 1700, "2,000,0…" rows) reads as another number."""
ESSENTIAL = 2
"""Columns after the verdict (the wall time, the worst lag) that a long
verdict never pushes out; the later ones make way for it while it shows."""


def verdict_style(result: RunResult) -> str:
    """Red for a held loop or an error, yellow for a starved one, else green;
    dim for a run that could not be measured (the process was stopped)."""
    verdict = result.judgement
    if verdict.kind == UNMEASURED:
        return "dim"
    if verdict.failed or verdict.held_the_loop:
        return "bold red"
    return "yellow" if verdict.kind == STARVED else "green"


def verdict_line(result: RunResult) -> str:
    """The verdict; for a run that raised, with its message's first line.

    "raised OperationalError" alone hid the "no such table" that says what
    to do about it.
    """
    if result.judgement.kind == RAISED and result.error:
        return printable(f"raised {result.error.splitlines()[0]}")
    return result.verdict


def result_cells(result: RunResult) -> dict[str, Text]:
    """A finished run's cells, by column."""
    return {
        "#": Text(str(result.number)),
        "pattern": Text(result.label),
        "verdict": Text(verdict_line(result), style=verdict_style(result)),
        "wall": Text(format_seconds(result.wall)),
        "loop max": Text(
            format_seconds(result.loop_max_lag),
            style=severity_style(result.loop_max_lag),
        ),
        "ping p99": Text(
            format_seconds(result.ping_p99), style=severity_style(result.ping_p99)
        ),
        "latency": Text(f"{result.latency_ms:g} ms"),
        "rows": Text(format_count(result.rows)),
        "queries on": Text(describe_threads(result.query_threads)),
    }


class ResultsTable(Widget, can_focus=False):
    """The runs of this session, newest at the bottom, at most ``max_rows`` kept.

    The first line is the header, then as many of the newest runs as fit.
    """

    def __init__(
        self,
        *,
        id: str | None = None,
        max_rows: int = 500,
        label_heading: str = "pattern",
    ) -> None:
        super().__init__(id=id)
        self.max_rows = max_rows
        self.label_heading = label_heading
        """The heading over the runs' names: ``pattern``, or ``path``."""
        self._rows: OrderedDict[int, dict[str, Text]] = OrderedDict()
        self._strips: dict[tuple[int, int], Strip] = {}
        self._fit: dict[str, int] = {}
        """The widest value of each of the ``FITTED`` columns so far."""
        # Only to turn rows into segments: never writes anywhere.
        self._row_console = Console(
            file=io.StringIO(), width=400, color_system="truecolor"
        )

    # --- what the screen hands down ------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many runs are listed."""
        return len(self._rows)

    def cell(self, number: int, column: str) -> str:
        """The plain text of one cell of run ``number`` ("" if it made way)."""
        row = self._rows.get(number)
        return row[column].plain if row and column in row else ""

    def add_running(self, number: int, label: str) -> None:
        """A row for run ``number`` that has started and not yet finished."""
        first = self._first_shown
        self._rows[number] = {
            "#": Text(str(number)),
            "pattern": Text(label),  # Text, never markup: labels come from outside
            "verdict": Text("running…", style="bold cyan"),
        }
        grew = self._fit_to(self._rows[number])
        while len(self._rows) > self.max_rows:
            gone, _ = self._rows.popitem(last=False)
            self._forget(gone)
            first = -1
        if first != self._first_shown:
            self.refresh()  # every shown row moves up a line
        elif not grew:  # (a column that grew has had every row redrawn)
            self._repaint(number)  # room to spare: only the new row is drawn
        self._fit_verdicts()

    def finish(self, result: RunResult) -> None:
        """Fill in a finished run's measurements (unless its row made way)."""
        if result.number in self._rows:
            self._rows[result.number] = result_cells(result)
            if not self._fit_to(self._rows[result.number]):
                self._repaint(result.number)
            self._fit_verdicts()

    def fail(self, number: int, message: str) -> None:
        """Mark run ``number`` as one that could not be measured at all."""
        row = self._rows.get(number)
        if row is not None:
            row["verdict"] = Text(printable(message), style="bold red")
            self._repaint(number)
            self._fit_verdicts()

    def clear(self) -> None:
        """Forget every row."""
        self._rows.clear()
        self._strips.clear()
        self._fit.clear()
        self.refresh()
        self._fit_verdicts()

    # --- drawing --------------------------------------------------------------------

    _verdict_need = 0
    """The length of the longest verdict among the rows shown."""

    def _fit_verdicts(self) -> None:
        """Lay the columns out again if the longest verdict shown changed."""
        shown = list(self._rows.values())[self._first_shown :]
        need = max((len(row["verdict"].plain) for row in shown), default=0)
        if need != self._verdict_need:
            self._verdict_need = need
            self._strips.clear()
            self.refresh()

    def on_resize(self) -> None:
        self._strips.clear()
        self._fit_verdicts()

    @property
    def _first_shown(self) -> int:
        """The index of the oldest row that fits under the header."""
        return max(0, len(self._rows) - (self.size.height - 1))

    def _fit_to(self, cells: dict[str, Text]) -> bool:
        """Widen the figure columns to ``cells``; True if any grew (all redrawn)."""
        grew = False
        for name in FITTED:
            if name in cells and cells[name].cell_len > self._fit.get(name, 0):
                self._fit[name] = cells[name].cell_len
                grew = True
        if grew:
            self._strips.clear()
            self.refresh()
        return grew

    def _forget(self, number: int) -> None:
        for key in [k for k in self._strips if k[0] == number]:
            del self._strips[key]

    def _repaint(self, number: int) -> None:
        self._forget(number)
        y = list(self._rows).index(number) + 1 - self._first_shown
        if 0 < y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def columns_shown(self) -> list[str]:
        """The names of the columns the table's width has room for, in order."""
        return [name for name, _ in self._widths(self.content_region.width)]

    def _widths(self, width: int) -> list[tuple[str, int]]:
        """The columns that fit in ``width``, in order; the verdict comes first.

        The number, the pattern and the verdict are always shown; the verdict
        gets ``VERDICT_WIDTH`` before later columns are added while they fit,
        and then all that is left over: a long verdict ("starved: waited
        2.26 s for the GIL; machine busy 1.10 s") is cut only where the
        table has no room left at all.
        """
        fitted = [(name, max(w, self._fit.get(name, 0))) for name, w in COLUMNS]
        first, later = fitted[:2], fitted[3:]
        spare = width - sum(w + 1 for _, w in first) - 1
        # The longest verdict shown gets its room first, as long as the wall
        # time and the worst lag still fit beside it.
        kept = sum(w + 1 for _, w in later[:ESSENTIAL])
        need = max(VERDICT_WIDTH, min(self._verdict_need, spare - kept))
        verdict = max(10, min(need, spare))
        spare -= verdict
        shown = []
        for name, w in later:
            if w + 1 > spare:
                break
            shown.append((name, w))
            spare -= w + 1
        return [*first, ("verdict", verdict + max(0, spare)), *shown]

    def _line(self, cells: dict[str, Text], width: int, style: str = "") -> Strip:
        line = Text(no_wrap=True, style=self.rich_style + Style.parse(style))
        for name, w in self._widths(width):
            cell = cells.get(name, Text("")).copy()
            cell.truncate(w, overflow="ellipsis", pad=True)
            line.append_text(cell)
            line.append(" ")
        segments = list(line.render(self._row_console))
        return Strip(segments).crop_extend(0, width, self.rich_style)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            header = {name: Text(name, style="bold") for name, _ in COLUMNS}
            header["pattern"] = Text(self.label_heading, style="bold")
            return self._line(header, width).apply_style(Style(bold=True))
        index = y - 1 + self._first_shown
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        number = list(self._rows)[index]
        key = (number, width)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._line(self._rows[number], width)
        return strip
