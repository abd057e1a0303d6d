"""One line naming the last place the event loop got stuck."""

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.formatting import format_seconds
from tui.loopstats import Stall


class StallLine(Widget):
    """``last stall 750 ms at demoapp/views.py:118 in ... → django/...``.

    Reactive without layout: it changes right after a freeze, when the loop
    has the most catching up to do, so it must not reflow the screen.
    """

    DEFAULT_CSS = """
    StallLine {
        height: 1;
        padding: 0 1;
    }
    """

    stall: reactive[Stall | None] = reactive(None, layout=False)
    """The most recent stall the watchdog caught, or None."""

    def render(self) -> Text:
        stall = self.stall
        if stall is None:
            return Text(
                "no stall yet: the watchdog names the code that blocks the loop"
            )
        where = stall.project_frame or stall.innermost_frame
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" last stall ", style="bold reverse red")
        text.append(f" {format_seconds(stall.duration)} at ", style="bold")
        text.append(where, style="bold yellow")
        if stall.project_frame and stall.innermost_frame != stall.project_frame:
            text.append(f"  →  {stall.innermost_frame}", style="dim")
        return text
