"""The selected pattern: its view's source, and what really happens inside Django."""

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.lessons.patterns import Pattern


class SourceView(VerticalScroll):
    """The view's code, syntax highlighted, with its file's line numbers.

    For the demo, read from ``demoapp/views.py``, one line is always marked
    (``❱``) and scrolled into view: the one a run's stall named, else the
    line the pattern's point is about (``tui.keylines``), so a short panel
    never shows only a docstring. A project's view is shown whole
    (``show_source``), the line a stall named marked.
    """

    marked_line: int | None = None
    """The line of the file shown marked now (None: none)."""

    _marked_row = 0
    """The marked line's row in the panel's content."""

    def compose(self) -> ComposeResult:
        yield Static(id="source")

    def show(self, pattern: Pattern | None, line: int | None = None) -> None:
        """Display ``pattern``'s view code, with file line numbers.

        ``line`` (a line of ``demoapp/views.py``, say the one a stall named)
        is marked and scrolled into view; without one, the pattern's key
        line is. None as the pattern shows an empty panel (the quiz, before
        its answer: the code would give it away).
        """
        from tui.lessons.keylines import key_line

        if pattern is None:
            self.query_one("#source", Static).update(
                Text("the code is shown with the answer", style="dim")
            )
            self.border_title = "code"
            self.marked_line = None
            return
        if line is None or not _shows(pattern.source_parts, line):
            line = key_line(pattern)
        self.show_source(pattern.source_parts, f"GET {pattern.url}", line)

    def show_source(
        self,
        parts: Sequence[tuple[int, str]],
        title: str,
        line: int | None = None,
        note: Text | None = None,
    ) -> None:
        """Display code ``parts`` (first line number, text), ``line`` marked.

        Each part is drawn with its file's own line numbers, a blank row
        between parts; ``note`` (plain text, never markup), if given, comes
        first. The marked line is scrolled into view.
        """
        from rich.console import Group
        from rich.syntax import Syntax  # pygments is slow to import; not at start-up

        theme = "monokai" if self.app.current_theme.dark else "default"
        drawn = [
            Syntax(
                code,
                "python",
                theme=theme,
                background_color="default",
                line_numbers=True,
                start_line=first,
                highlight_lines={line} if line is not None else None,
            )
            for first, code in parts
        ]
        spaced: list[Syntax | Text] = [
            item for part in drawn for item in (part, Text(""))
        ][:-1]
        if note is not None:
            spaced.insert(0, note)
        self.query_one("#source", Static).update(Group(*spaced))
        self.border_title = title
        self.marked_line = line
        self._marked_row = _row_of(parts, line) if line is not None else 0
        self._marked_row += 1 if note is not None else 0
        self._new_content = True
        # After the new content is laid out, or the scroll is clamped to the old.
        self.call_after_refresh(self._scroll_to_mark)

    def show_text(self, text: Text, title: str = "code") -> None:
        """Display a sentence instead of code (no source to show)."""
        self.query_one("#source", Static).update(text)
        self.border_title = title
        self.marked_line = None

    def on_resize(self) -> None:
        self.call_after_refresh(self._scroll_to_mark)

    _new_content = False

    def _scroll_to_mark(self) -> None:
        new, self._new_content = self._new_content, False
        if self.marked_line is None:
            if new:  # other code, nothing marked: from its first line
                self.scroll_home(animate=False)
            return
        # A third of the way down: the lines that lead to it stay in view.
        above = max(0, (self.scrollable_content_region.height - 1) // 3)
        self.scroll_to(y=max(0, self._marked_row - above), animate=False)


def _shows(parts: Sequence[tuple[int, str]], line: int) -> bool:
    return any(first <= line < first + len(code.splitlines()) for first, code in parts)


def _row_of(parts: Sequence[tuple[int, str]], line: int) -> int:
    """The row ``line`` is drawn on: each part's lines, then a blank row."""
    row = 0
    for first, code in parts:
        count = len(code.splitlines())
        if first <= line < first + count:
            return row + line - first
        row += count + 1
    return 0


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
