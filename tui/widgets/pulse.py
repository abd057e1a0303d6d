"""Something that visibly moves every frame, so a frozen loop is seen to freeze."""

import time
from collections.abc import Callable

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class Pulse(Widget):
    """A scanner bar sweeping back and forth, and a running clock.

    Both are redrawn from a timer on the event loop (``advance``): while the
    loop is blocked they stop dead, and the audience sees the freeze before
    any graph does.
    """

    DEFAULT_CSS = """
    Pulse {
        height: 1;
    }
    """

    frame: reactive[int] = reactive(0)
    """Advances once per animation frame."""

    def __init__(
        self, *, id: str | None = None, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._started = clock()

    def advance(self) -> None:
        """Move on one frame (called from the owner's animation timer)."""
        self.frame += 1

    def render(self) -> Text:
        clock = f" loop clock {self.clock() - self._started:8.2f} s "
        width = max(4, self.size.width - len(clock))
        travel = max(1, width - 3)
        step = self.frame % (2 * travel)
        position = step if step < travel else 2 * travel - step
        text = Text(no_wrap=True, overflow="crop")
        text.append("━" * position, style="dim")
        text.append("▐█▌", style="bold cyan")
        text.append("━" * (width - position - 3), style="dim")
        text.append(clock, style="bold")
        return text
