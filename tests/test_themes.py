"""Every text and highlight of loopbeat's themes reaches WCAG AA (4.5:1).

Computed from the themes' own colours, as Textual expands them, and from the
ANSI palette each theme brings for the UI's coloured words.
"""

import pytest
from rich.color import Color as RichColor
from textual.color import Color

from tui.ui.themes import LOOPBEAT_THEMES, PALETTES

AA = 4.5
DIM = 0.66  # Textual blends dim text this far from the background to the text


def luminance(colour: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.r)
        + 0.7152 * channel(colour.g)
        + 0.0722 * channel(colour.b)
    )


def contrast(text: Color, background: Color) -> float:
    lighter, darker = sorted((luminance(text), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_ratio_is_computed_as_wcag_says() -> None:
    assert contrast(Color(255, 255, 255), Color(0, 0, 0)) == pytest.approx(21)
    # The pair the issue measured: red on the old cyan cursor, about 2.5:1.
    assert contrast(Color.parse("#FF1744"), Color.parse("#00E5FF")) < 2.6


@pytest.mark.parametrize("theme", LOOPBEAT_THEMES, ids=lambda t: t.name)
def test_every_text_on_every_background_reaches_aa(theme) -> None:
    system = theme.to_color_system().generate()

    def colour(name: str) -> Color:
        return Color.parse(system[name])

    backgrounds = {
        name: colour(name)
        for name in (
            "background",
            "surface",
            "panel",
            "footer-background",
            "block-cursor-background",
        )
    }
    palette = PALETTES[theme.name]
    ansi = {
        name: Color(*palette.ansi_colors[index])
        for index, name in ((1, "red"), (2, "green"), (3, "yellow"), (6, "cyan"))
    }
    texts = {
        **{
            name: colour(name)
            for name in (
                "foreground",
                "primary",
                "accent",
                "warning",
                "error",
                "success",
                "footer-key-foreground",
                "footer-description-foreground",
                "block-cursor-foreground",
            )
        },
        **{f"ansi {name}": value for name, value in ansi.items()},
    }
    failures = []
    for text_name, text in texts.items():
        for background_name, background in backgrounds.items():
            shown = background.blend(text, 1.0)  # a translucent colour, laid on
            ratio = contrast(shown, background)
            if ratio < AA:
                failures.append(f"{text_name} on {background_name}: {ratio:.2f}")
    # Dim text (hints, axis labels) is the foreground blended toward the page.
    for background_name, background in backgrounds.items():
        dim = background.blend(colour("foreground"), DIM)
        if (ratio := contrast(dim, background)) < AA:
            failures.append(f"dim foreground on {background_name}: {ratio:.2f}")
    assert not failures, failures


def test_the_palettes_are_what_the_themes_say() -> None:
    for theme in LOOPBEAT_THEMES:
        palette = PALETTES[theme.name]
        background = RichColor.parse(theme.background or "#000000").get_truecolor()
        assert tuple(palette.background_color) == tuple(background)
