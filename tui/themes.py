"""Themes for the projector: Textual's own, plus a high-contrast one."""

from textual.theme import BUILTIN_THEMES, Theme

HIGH_CONTRAST = Theme(
    name="loopbeat-contrast",
    primary="#00E5FF",
    secondary="#FFFFFF",
    accent="#FFD600",
    warning="#FFD600",
    error="#FF1744",
    success="#00E676",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    dark=True,
)
"""Pure black and white with saturated signal colours: washed-out projectors
and the back row of a lecture hall still tell green from red."""

THEME_NAMES = (HIGH_CONTRAST.name, *BUILTIN_THEMES)
