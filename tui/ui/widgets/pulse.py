"""Something that visibly moves every frame, so a frozen loop is seen to freeze."""

import time
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
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

    def render_line(self, y: int) -> Strip:
        # Four segments straight to a strip: drawn every frame, so it skips
        # Rich's text layout (about 0.5 ms a frame at 160 columns).
        if y:
            return Strip.blank(self.size.width, self.rich_style)
        elapsed = self.clock() - self._started
        clock = f" loop clock {elapsed:8.2f} s "
        width = max(4, self.size.width - len(clock))
        travel = max(1, width - 3)
        step = int(elapsed * self.CELLS_PER_SECOND) % (2 * travel)
        position = step if step < travel else 2 * travel - step
        base = self.rich_style
        dim, bar, bold = (base + Style.parse(s) for s in ("dim", "bold cyan", "bold"))
        segments = [
            Segment("━" * position, dim),
            Segment("▐█▌", bar),
            Segment("━" * (width - position - 3), dim),
            Segment(clock, bold),
        ]
        return Strip(segments).crop_extend(0, self.size.width, base)
