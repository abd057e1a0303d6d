"""Type any path to run: read as ``RunSpec.parse`` reads a ``--url``.

Opened over the screen (``/`` or ``g``), prefilled with the highlighted
route's path, its first parameter selected so that typing replaces it. What
is typed is checked before the prompt closes: a path that is not one, or a
method that writes while writes are not allowed, is said under the input,
and the prompt stays for the user to fix it. A modal screen: while it is
up, the screen's keys (``q`` quits) are not live, so any path can be typed.
"""

import re
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.widgets.input import Selection

from tui.engine.runs import READING, RunSpec, SpecError

HINT = "a path: /books/?page=2 · HEAD /x/ · /x/:5 fires 5 at once · enter runs"
_PARAMETER = re.compile(r"<[^>]+>|\(\?P<[^>]+>[^)]*\)")


def refusal(spec: RunSpec, allow_writes: bool) -> str | None:
    """Why ``spec`` may not be sent, or None."""
    if spec.writes and not allow_writes:
        return (
            f"{spec.method} is not sent: only {' and '.join(READING)} unless "
            "loopbeat is started with --allow-writes (it may change your data)"
        )
    return None


class PathPrompt(ModalScreen[RunSpec | None]):
    """An input for a path; dismissed with the ``RunSpec`` to run, or None."""

    DEFAULT_CSS = """
    PathPrompt {
        align: center bottom;
        background: $background 40%;
    }
    PathPrompt > Vertical {
        width: 100%;
        max-width: 100;
        height: auto;
        margin-bottom: 2;
        border: heavy $accent;
        background: $surface;
        padding: 0 1;
    }
    PathPrompt #path-problem {
        color: $error;
        height: auto;
    }
    PathPrompt #path-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel"),
    ]

    def __init__(self, template: str, *, allow_writes: bool) -> None:
        super().__init__()
        self.template = template
        self.allow_writes = allow_writes

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "run a path · esc cancels"
            yield Input(self.template, select_on_focus=False, id="path-input")
            yield Static(Text(HINT), id="path-hint")
            yield Static(id="path-problem")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        # The first parameter selected: typing replaces it.
        found = _PARAMETER.search(self.template)
        if found is not None:
            field.selection = Selection(found.start(), found.end())
        else:
            field.cursor_position = len(self.template)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.query_one("#path-problem", Static)
        try:
            spec = RunSpec.parse(event.value)
        except SpecError as error:
            problem.update(Text(str(error)))
            return
        refused = refusal(spec, self.allow_writes)
        if refused is not None:
            problem.update(Text(refused))
            return
        self.dismiss(spec)
