"""The events panel: what happened, one timestamped plain-text line each."""

import time
from collections.abc import Callable

from rich.text import Text
from textual.widgets import RichLog


class EventLog(RichLog):
    """A bounded log of events; lines are plain text, never parsed as markup."""

    def __init__(
        self,
        *,
        id: str | None = None,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
    ) -> None:
        super().__init__(id=id, markup=False, wrap=True, min_width=20, max_lines=300)
        self.stamp = stamp

    def add(self, message: str) -> None:
        """Write ``message`` after the current time."""
        self.write(Text(f"{self.stamp()} {message}"))
