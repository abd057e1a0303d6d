"""The selected pattern: its view's source, and what really happens inside Django."""

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.lessons.patterns import Pattern


class SourceView(VerticalScroll):
    """The view's code, syntax highlighted, read from ``demoapp/views.py``."""

    def compose(self) -> ComposeResult:
        yield Static(id="source")

    def show(self, pattern: Pattern | None, line: int | None = None) -> None:
        """Display ``pattern``'s view code, with file line numbers.

        ``line`` (a line of ``demoapp/views.py``, say the one a stall named)
        is highlighted. None as the pattern shows an empty panel (the quiz,
        before its answer: the code would give it away).
        """
        from rich.console import Group
        from rich.syntax import Syntax  # pygments is slow to import; not at start-up

        if pattern is None:
            self.query_one("#source", Static).update(
                Text("the code is shown with the answer", style="dim")
            )
            self.border_title = "code"
            return
        theme = "monokai" if self.app.current_theme.dark else "default"
        parts = [
            Syntax(
                code,
                "python",
                theme=theme,
                background_color="default",
                line_numbers=True,
                start_line=first,
                highlight_lines={line} if line is not None else None,
            )
            for first, code in pattern.source_parts
        ]
        spaced = [item for part in parts for item in (part, Text(""))][:-1]
        self.query_one("#source", Static).update(Group(*spaced))
        self.border_title = f"GET {pattern.url}"


class Explanation(VerticalScroll):
    """What the selected pattern really does: threads, the guard, the GIL."""

    def compose(self) -> ComposeResult:
        yield Static(id="explanation-text")

    def on_resize(self) -> None:
        # The text was wrapped for the size the panel had when it was set;
        # the screen's breakpoints can resize the panel right after (at
        # start-up, from 80x24 to the real size), which left it blank.
        self.query_one("#explanation-text", Static).refresh(layout=True)

    def show(self, pattern: Pattern | None) -> None:
        """Display ``pattern``'s title and explanation (None: the quiz hides it)."""
        if pattern is None:
            self.query_one("#explanation-text", Static).update(
                Text("shown with the answer", style="dim")
            )
            return
        text = Text()
        text.append(f"{pattern.title}\n", style="bold")
        text.append(pattern.explanation)
        if pattern.blocks_loop:
            text.append("\nBlocks the event loop on purpose.", style="bold red")
        self.query_one("#explanation-text", Static).update(text)
