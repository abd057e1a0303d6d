"""The events panel: what happened, one timestamped plain-text line each.

A tail, like the runs table: the newest events that fit, each wrapped to the
panel's width once and kept, so an event costs a repaint of this widget and
never a layout of the screen (``RichLog`` grows a virtual size, and every
write lays the whole screen out again, about 20 ms at 160x45). Narrowing and
widening re-wraps the lines. Events are plain text, never markup, and never
terminal controls (``tui.instrument.printable``). Each event is also handed to ``keep``,
the session's record, so exports hold what this panel showed.
"""

import io
import time
from collections import deque
from collections.abc import Callable

from rich.console import Console
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tui.instrument.printable import printable


class EventLog(Widget, can_focus=False):
    """The last ``max_events`` events, newest at the bottom."""

    def __init__(
        self,
        *,
        id: str | None = None,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
        max_events: int = 300,
        keep: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(id=id)
        self.stamp = stamp
        self._keep = keep
        self._events: deque[tuple[int, Text]] = deque(maxlen=max_events)
        self._count = 0
        self._wrapped: dict[tuple[int, int], list[Strip]] = {}
        self._tail: list[Strip] | None = None
        # Only to wrap and render lines into segments: never writes anywhere.
        self._line_console = Console(file=io.StringIO(), width=400)

    def add(self, message: str) -> None:
        """Write ``message`` after the current time."""
        message = printable(message)
        if self._keep is not None:
            self._keep(message)
        self._count += 1
        if len(self._events) == self._events.maxlen:
            gone, _ = self._events[0]
            for key in [k for k in self._wrapped if k[0] == gone]:
                del self._wrapped[key]
        before = self._tail
        self._events.append((self._count, Text(f"{self.stamp()} {message}")))
        self._tail = None
        if before is None or not self.size.height:
            self.refresh()
            return
        after = self._tail_lines()
        if len(after) < self.size.height and after[: len(before)] == before:
            # Room to spare: the lines above stay, only the new ones are drawn.
            added = len(after) - len(before)
            self.refresh(Region(0, len(before), self.size.width, added))
        else:
            self.refresh()  # the lines move up

    @property
    def lines(self) -> list[str]:
        """Every kept event, oldest first, as plain text."""
        return [text.plain for _, text in self._events]

    def on_resize(self) -> None:
        self._wrapped.clear()
        self._tail = None

    def _strips(self, number: int, text: Text, width: int) -> list[Strip]:
        key = (number, width)
        strips = self._wrapped.get(key)
        if strips is None:
            console = self._line_console
            lines = text.wrap(console, width, overflow="fold")
            base = self.rich_style  # the panel's colours under every span
            for line in lines:
                line.stylize_before(base)
            strips = self._wrapped[key] = [
                Strip(list(line.render(console))).crop_extend(0, width, base)
                for line in lines
            ]
        return strips

    def _tail_lines(self) -> list[Strip]:
        """The wrapped lines that fit, newest last."""
        if self._tail is None:
            width, height = self.size.width, self.size.height
            shown: list[Strip] = []
            # Newest first, until the panel is full; then read top to bottom.
            for number, text in reversed(self._events):
                shown[:0] = self._strips(number, text, width)
                if len(shown) >= height:
                    break
            self._tail = shown[-height:] if height else []
        return self._tail

    def render_line(self, y: int) -> Strip:
        shown = self._tail_lines()
        if y < len(shown):
            return shown[y]
        return Strip.blank(self.size.width, self.rich_style)
