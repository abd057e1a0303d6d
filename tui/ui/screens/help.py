"""Every key, read from the bindings themselves (``?`` or F1 opens it)."""

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

Section = tuple[str, Sequence[BindingType]]
"""A heading and the bindings listed under it."""


def bindings_of(entries: Iterable[BindingType]) -> list[Binding]:
    """The ``Binding`` objects among ``entries`` (tuples made into bindings)."""
    return [
        entry if isinstance(entry, Binding) else Binding(*entry) for entry in entries
    ]


def key_sections(screen: Screen) -> tuple[Section, ...]:
    """Every key of the app, by where it works: anywhere, then each panel."""
    from tui.ui.widgets.quiz_panel import QuizPanel
    from tui.ui.widgets.replay_panel import ReplayPanel
    from tui.ui.widgets.tour_panel import TourPanel
    from tui.ui.widgets.versus_panel import VersusPanel

    return (
        ("anywhere", (*screen.BINDINGS, *screen.app.BINDINGS)),
        ("in the guided tour (o)", TourPanel.BINDINGS),
        ("in the quiz (z)", QuizPanel.BINDINGS),
        ("in head to head (c)", VersusPanel.BINDINGS),
        ("in the replay (r)", ReplayPanel.BINDINGS),
    )


class HelpScreen(ModalScreen[None]):
    """A list of every key, by where it works; any of its keys closes it.

    Built from the ``BINDINGS`` handed in, so a key added to the app is
    listed without anyone remembering to.
    """

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 100;
        max-width: 100%;
        height: 100%;
        border: heavy $accent;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen Static {
        width: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1", "dismiss", "Close"),
    ]

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "keys · esc closes"
            yield Static(self._table(), id="help-keys")

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for heading, entries in self.sections:
            table.add_row(Text(heading, style="bold underline"), "")
            seen: set[str] = set()
            for binding in bindings_of(entries):
                keys = self.key_display(binding)
                if keys in seen:
                    continue
                seen.add(keys)
                what = Text(binding.description or binding.action)
                if binding.tooltip:
                    what.append(f": {binding.tooltip}", style="dim")
                table.add_row(Text(keys), what)
        return table

    def key_display(self, binding: Binding) -> str:
        """``space, pagedown`` as the terminal shows them: ``space pgdn``."""
        if binding.key_display:
            return binding.key_display
        return " ".join(
            self.app.get_key_display(Binding(key, binding.action))
            for key in binding.key.split(",")
        )
