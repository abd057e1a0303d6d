"""The last run's worst lag in digits big enough for the back of the room."""

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from tui.engine.results import RunResult
from tui.ui.widgets.block_digits import BlockDigits


class BigFigure(Vertical):
    """Large digits (milliseconds) and a line saying what they measure.

    The digits are solid blocks ``ROWS`` high (``BlockDigits``), not
    Textual's thin three-row ``Digits``: they are read from the back row.
    """

    DEFAULT_CSS = """
    BigFigure {
        height: auto;
        align-horizontal: center;
    }
    BigFigure Horizontal {
        height: auto;
        width: auto;
    }
    BigFigure BlockDigits {
        color: $warning;
    }
    BigFigure #big-unit {
        width: auto;
        height: 5;
        content-align: left bottom;
        padding-left: 1;
        text-style: bold;
    }
    BigFigure #big-label {
        width: auto;
    }
    """

    def compose(self) -> ComposeResult:
        # The unit beside the digits, on their last line: never wrapped below.
        with Horizontal():
            yield BlockDigits("-", id="big-digits")
            yield Static("ms", id="big-unit")
        yield Static("worst loop lag of the last run", id="big-label")

    _result: RunResult | None = None

    def show(self, result: RunResult) -> None:
        """Display ``result``'s worst loop lag, with its number in the table.

        Only drawn while large mode shows it: updating digits lays the screen
        out again, and a hidden figure must not cost the loop that per run.
        """
        self._result = result
        if self.display:
            self._draw(result)

    def on_show(self) -> None:
        if self._result is not None:
            self._draw(self._result)

    def _draw(self, result: RunResult) -> None:
        lag_ms = result.loop_max_lag * 1000
        self.query_one(BlockDigits).update(
            f"{lag_ms:.0f}" if lag_ms >= 10 else f"{lag_ms:.1f}"
        )
        label = Text()
        label.append("worst loop lag: ", style="bold")
        label.append(f"#{result.number} {result.label}: {result.verdict}")
        self.query_one("#big-label", Static).update(label)
