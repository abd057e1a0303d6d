"""Digits in solid blocks, five rows high, for the back of a room.

Textual's ``Digits`` draws three rows of thin box lines: from the back row
they read as little more than text. These are full blocks, each stroke two
cells wide, so a figure is as heavy as it is tall.
"""

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

FONT = {
    "0": ("███", "█ █", "█ █", "█ █", "███"),
    "1": (" █ ", "██ ", " █ ", " █ ", "███"),
    "2": ("███", "  █", "███", "█  ", "███"),
    "3": ("███", "  █", " ██", "  █", "███"),
    "4": ("█ █", "█ █", "███", "  █", "  █"),
    "5": ("███", "█  ", "███", "  █", "███"),
    "6": ("███", "█  ", "███", "█ █", "███"),
    "7": ("███", "  █", " █ ", " █ ", " █ "),
    "8": ("███", "█ █", "███", "█ █", "███"),
    "9": ("███", "█ █", "███", "  █", "███"),
    ".": (" ", " ", " ", " ", "█"),
    "-": ("   ", "   ", "███", "   ", "   "),
    " ": (" ", " ", " ", " ", " "),
}
"""Each character as five rows of cells (before widening)."""
ROWS = 5
WIDEN = 2
"""Cells per font cell across: a terminal cell is about twice as tall as wide."""


def block_lines(text: str) -> list[str]:
    """``text`` as ``ROWS`` lines of blocks; characters not in the font are left out."""
    glyphs = [FONT[char] for char in text if char in FONT]
    return [
        " ".join("".join(cell * WIDEN for cell in glyph[row]) for glyph in glyphs)
        for row in range(ROWS)
    ]


class BlockDigits(Widget):
    """A number in solid blocks (``ROWS`` high), bold in the theme's colour."""

    DEFAULT_CSS = """
    BlockDigits {
        width: auto;
        height: 5;
        text-style: bold;
    }
    """

    value: reactive[str] = reactive("", layout=True)
    """What is drawn: digits, a point and a minus sign."""

    def __init__(self, value: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.value = value

    def update(self, value: str) -> None:
        """Draw ``value`` instead."""
        self.value = value

    def render(self) -> Text:
        return Text("\n".join(block_lines(self.value)), no_wrap=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((len(line) for line in block_lines(self.value)), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return ROWS
