"""Themes for the projector: Textual's own, a high-contrast one and a light one.

Projectors wash colours out and the back row is far away: every text and
highlight of ``loopbeat-contrast`` and ``loopbeat-light`` reaches WCAG AA
(a contrast ratio of 4.5:1), which ``tests/test_themes.py`` computes from
the colours themselves. The coloured words of the UI (a red verdict, a
yellow lag) are ANSI colour names drawn through a terminal palette, so each
theme brings the palette its colours are checked against.
"""

from rich.color import Color as RichColor
from rich.terminal_theme import TerminalTheme
from textual.theme import BUILTIN_THEMES, Theme


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    triplet = RichColor.parse(hex_colour).get_truecolor()
    return triplet.red, triplet.green, triplet.blue


def _palette(background: str, foreground: str, colours: list[str]) -> TerminalTheme:
    """A terminal palette: black, red, green, yellow, blue, magenta, cyan, white."""
    rgb = [_rgb(c) for c in colours]
    return TerminalTheme(_rgb(background), _rgb(foreground), rgb, rgb)


CONTRAST_ANSI = _palette(
    "#000000",
    "#FFFFFF",
    [
        *("#000000", "#FF6E6E", "#00E676", "#FFD600"),
        *("#82B1FF", "#FF80AB", "#00E5FF", "#FFFFFF"),
    ],
)
"""Light, saturated colours: each at least 5:1 on black and on the cursor's navy."""

HIGH_CONTRAST = Theme(
    name="loopbeat-contrast",
    primary="#00E5FF",
    secondary="#FFFFFF",
    accent="#FFD600",
    warning="#FFD600",
    error="#FF6E6E",
    success="#00E676",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
    variables={
        # A navy cursor: white, and every signal colour on it, stay readable
        # (the cyan of the primary colour under red text measured 2.5:1).
        "block-cursor-background": "#0A2A66",
        "block-cursor-foreground": "#FFFFFF",
        "block-cursor-blurred-background": "#0A2A66",
        "footer-key-foreground": "#FFD600",
    },
)
"""Pure black and white with saturated signal colours: washed-out projectors
and the back row of a lecture hall still tell green from red."""

LIGHT_ANSI = _palette(
    "#FFFFFF",
    "#000000",
    [
        *("#000000", "#B00020", "#006B2E", "#7A4F00"),
        *("#0033A0", "#8E24AA", "#005F73", "#000000"),
    ],
)
"""Dark colours for white paper: each at least 5:1 on white and on light grey."""

LIGHT = Theme(
    name="loopbeat-light",
    primary="#0033A0",
    secondary="#005F73",
    accent="#7A4F00",
    warning="#7A4F00",
    error="#B00020",
    success="#006B2E",
    foreground="#000000",
    background="#FFFFFF",
    surface="#FFFFFF",
    panel="#EDEDED",
    dark=False,
    variables={
        # A pale blue cursor: the dark text colours stay dark on it.
        "block-cursor-background": "#D6E4FF",
        "block-cursor-foreground": "#000000",
        "block-cursor-blurred-background": "#D6E4FF",
        "footer-key-foreground": "#0033A0",
    },
)
"""For projectors in bright rooms, where a dark screen turns to grey mush."""

LOOPBEAT_THEMES = (HIGH_CONTRAST, LIGHT)
PALETTES = {HIGH_CONTRAST.name: CONTRAST_ANSI, LIGHT.name: LIGHT_ANSI}
"""The ANSI palette each of loopbeat's themes is checked against."""

THEME_NAMES = (*(t.name for t in LOOPBEAT_THEMES), *BUILTIN_THEMES)
