"""Something that visibly moves every frame, so a frozen loop is seen to freeze."""

import time
from collections.abc import Callable

from rich.text import Text
from textual.widget import Widget


class Pulse(Widget):
    """A scanner bar sweeping back and forth, and a running clock.

    Both are redrawn from a timer on the event loop (``advance``): while the
    loop is blocked they stop dead, and the audience sees the freeze before
    any graph does. The bar's position follows the clock, not the frame
    count, so it moves at one speed whatever the frame rate, and after a
    freeze it jumps by the time the loop lost.
    """

    DEFAULT_CSS = """
    Pulse {
        height: 1;
    }
    """

    CELLS_PER_SECOND = 10
    """How fast the bar travels."""

    def __init__(
        self, *, id: str | None = None, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._started = clock()

    def advance(self) -> None:
        """Draw the next frame (called from the owner's animation timer)."""
        self.refresh()

    def render(self) -> Text:
        elapsed = self.clock() - self._started
        clock = f" loop clock {elapsed:8.2f} s "
        width = max(4, self.size.width - len(clock))
        travel = max(1, width - 3)
        step = int(elapsed * self.CELLS_PER_SECOND) % (2 * travel)
        position = step if step < travel else 2 * travel - step
        text = Text(no_wrap=True, overflow="crop")
        text.append("━" * position, style="dim")
        text.append("▐█▌", style="bold cyan")
        text.append("━" * (width - position - 3), style="dim")
        text.append(clock, style="bold")
        return text
