"""The selected pattern: its view's source, and what really happens inside Django."""

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.patterns import Pattern


class SourceView(VerticalScroll):
    """The view's code, syntax highlighted, read from ``demoapp/views.py``."""

    def compose(self) -> ComposeResult:
        yield Static(id="source")

    def show(self, pattern: Pattern) -> None:
        """Display ``pattern``'s view code."""
        from rich.syntax import Syntax  # pygments is slow to import; not at start-up

        syntax = Syntax(
            pattern.source, "python", theme="monokai", background_color="default"
        )
        self.query_one("#source", Static).update(syntax)
        self.border_title = f"GET {pattern.url}"


class Explanation(VerticalScroll):
    """What the selected pattern really does: threads, the guard, the GIL."""

    def compose(self) -> ComposeResult:
        yield Static(id="explanation-text")

    def show(self, pattern: Pattern) -> None:
        """Display ``pattern``'s title and explanation."""
        text = Text()
        text.append(f"{pattern.title}\n", style="bold")
        text.append(pattern.explanation)
        if pattern.blocks_loop:
            text.append("\nBlocks the event loop on purpose.", style="bold red")
        self.query_one("#explanation-text", Static).update(text)
