"""The list of patterns, each with the key that fires it."""

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.lessons.patterns import Catalog, Pattern


def pattern_prompt(pattern: Pattern) -> Text:
    """``[u] Sync ORM, guard lifted (blocks)`` with the key highlighted."""
    text = Text(no_wrap=True, overflow="ellipsis")
    # A pattern that blocks on purpose has a red key; its title stays plain,
    # so it reads as well under the highlight as any other.
    text.append(
        f" {pattern.key} ",
        style="bold reverse red" if pattern.blocks_loop else "bold reverse",
    )
    text.append(" ")
    text.append(pattern.title)
    return text


class PatternList(OptionList):
    """Every pattern of the catalog; highlighting one shows its code."""

    def __init__(self, patterns: Catalog, *, id: str | None = None) -> None:
        super().__init__(
            *(Option(pattern_prompt(p), id=p.name) for p in patterns), id=id
        )
        self.patterns = patterns

    @property
    def selected_pattern(self) -> Pattern:
        """The highlighted pattern (the first one if none is)."""
        return self.patterns.patterns[self.highlighted or 0]

    def select_pattern(self, pattern: Pattern) -> None:
        """Move the highlight to ``pattern`` (or its namesake in this catalog)."""
        self.highlighted = self.patterns.index(self.patterns.find(pattern.name))
