"""One row per run: what the view did and what the event loop felt meanwhile."""

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from tui.client import RunResult
from tui.formatting import describe_threads, format_seconds
from tui.verdicts import STARVED
from tui.widgets.lag_graph import severity_style

# The verdict comes right after the pattern, so a narrow terminal still shows it.
COLUMNS = (
    ("#", 2),
    ("pattern", 18),
    ("verdict", 37),
    ("wall", 7),
    ("loop max", 8),
    ("ping p99", 8),
    ("rows", 7),
    ("queries on", 11),
)


def verdict_style(result: RunResult) -> str:
    """Red for a held loop or an error, yellow for a starved one, else green."""
    verdict = result.judgement
    if verdict.failed or verdict.held_the_loop:
        return "bold red"
    return "yellow" if verdict.kind == STARVED else "green"


class ResultsTable(DataTable):
    """The runs of this session, newest at the bottom, at most ``max_rows``."""

    def __init__(self, *, id: str | None = None, max_rows: int = 500) -> None:
        super().__init__(id=id)
        self.max_rows = max_rows

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for label, width in COLUMNS:
            self.add_column(label, key=label, width=width)

    def add_running(self, number: int, label: str) -> None:
        """A row for run ``number`` that has started and not yet finished."""
        running = Text("running…", style="bold cyan")
        blank = [""] * (len(COLUMNS) - 3)
        # Text, not str: DataTable would read a str as markup.
        self.add_row(Text(str(number)), Text(label), running, *blank, key=_key(number))
        while self.row_count > self.max_rows:
            self.remove_row(self.coordinate_to_cell_key(Coordinate(0, 0)).row_key)
        self.move_cursor(row=self.row_count - 1)

    def finish(self, result: RunResult) -> None:
        """Fill in a finished run's measurements (unless its row made way)."""
        run_id = _key(result.number)
        if run_id not in self.rows:
            return
        cells = {
            "wall": format_seconds(result.wall),
            "rows": f"{result.rows:,}",
            "queries on": describe_threads(result.query_threads),
            "loop max": Text(
                format_seconds(result.loop_max_lag),
                style=severity_style(result.loop_max_lag),
            ),
            "ping p99": Text(
                format_seconds(result.ping_p99), style=severity_style(result.ping_p99)
            ),
            "verdict": Text(result.verdict, style=verdict_style(result)),
        }
        for column, value in cells.items():
            self.update_cell(run_id, column, value)

    def fail(self, number: int, message: str) -> None:
        """Mark run ``number`` as one that could not be measured at all."""
        run_id = _key(number)
        if run_id not in self.rows:
            return
        self.update_cell(run_id, "verdict", Text(message, style="bold red"))


def _key(number: int) -> str:
    return f"run-{number}"
