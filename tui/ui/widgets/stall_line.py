"""One line naming what held the event loop during the last run, and where."""

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.engine.results import RunResult, StallSummary
from tui.instrument.loopstats import STARVED


class StallLine(Widget):
    """``#10 sync-unguarded: froze 890 ms at demoapp/views.py:118 in ...``.

    It keeps the worst stall of the last run that was the demo's doing; the
    screen's drawing and loopbeat's own work go to the events log, never here.
    Reactive without layout: it changes right after a freeze, when the loop
    has the most catching up to do, so it must not reflow the screen.
    """

    DEFAULT_CSS = """
    StallLine {
        height: 1;
        padding: 0 1;
    }
    """

    result: reactive[RunResult | None] = reactive(None, layout=False)
    """The last finished run, or None."""

    def render(self) -> Text:
        result = self.result
        if result is None:
            return Text("no stall yet: the watchdog names the code that holds the loop")
        # Two rows on a narrow screen (app.tcss): the line wraps, not cut.
        text = Text(no_wrap=self.size.height < 2, overflow="ellipsis")
        worst = worst_stall(result)
        if worst is None:
            text.append(f" #{result.number} {result.label}: ", style="bold")
            text.append("no single stall of 50 ms or more")
            return text
        text.append(" last stall ", style="bold reverse red")
        text.append(f" #{result.number} {result.label}: ", style="bold")
        text.append(worst.text, style="bold yellow")
        return text


def worst_stall(result: RunResult) -> StallSummary | None:
    """The run's longest stall, a starved one losing a tie to one with a line."""
    if not result.stalls:
        return None
    return max(result.stalls, key=lambda s: (s.duration, s.cause != STARVED))
