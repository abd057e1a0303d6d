"""The presenter panels docked over the screen, one in front at a time.

The tour and the quiz are lessons; the replay and head to head are detours
(``DETOUR = True`` on the panel): a detour opened over a lesson returns to
it when left, at the same step, with what it measured and the room's votes.
Panels are mounted once and then only shown and hidden, so each keeps its
place (a panel made per tour lap also grew memory in the soak).
"""

from collections.abc import Callable
from typing import TypeVar

from textual.screen import Screen
from textual.widget import Widget

PanelT = TypeVar("PanelT", bound=Widget)


class Stage:
    """Which presenter panel is in front of ``screen``, and where to return.

    Args:
        screen: The screen the panels are docked on.
        on_closed: Called once no panel is in front any more.
    """

    def __init__(self, screen: Screen, on_closed: Callable[[], None]) -> None:
        self.screen = screen
        self.on_closed = on_closed
        self.lesson: Widget | None = None
        """The tour or quiz panel a detour in front of it returns to."""

    def panel(self, kind: type[PanelT]) -> PanelT | None:
        """The panel of ``kind`` if it was ever opened (it keeps its place)."""
        found = self.screen.query(kind)
        return found.first() if found else None

    def in_front(self) -> Widget | None:
        """The presenter panel shown now, if any."""
        return next((p for p in self.screen.query(".presenter") if p.display), None)

    def open(
        self,
        kind: type[PanelT],
        *,
        detour: bool = False,
        make: Callable[[], PanelT] | None = None,
    ) -> PanelT:
        """Show the panel of ``kind`` in front, mounting it on first use
        (made by ``make``, else ``kind()``)."""
        front = self.in_front()
        if not detour:
            self.lesson = None
        elif front is not None and not getattr(front, "DETOUR", False):
            self.lesson = front
        self._hide()
        panel = self.panel(kind)
        if panel is None:
            panel = kind() if make is None else make()
            self.screen.mount(panel)
        self._show(panel)
        return panel

    def leave(self) -> None:
        """The panel in front is done: back to the lesson it interrupted, if any."""
        lesson, self.lesson = self.lesson, None
        if lesson is None or lesson is self.in_front():
            self.close()
            return
        self._hide()
        self._show(lesson)
        resume = getattr(lesson, "resume", None)
        if resume is not None:
            resume()

    def close(self) -> None:
        """Hide every panel (each keeps its place for when it is opened again)."""
        self.lesson = None
        self._hide()
        self.screen.remove_class("presenting")
        self.on_closed()

    def _show(self, panel: Widget) -> None:
        panel.display = True
        self.screen.add_class("presenting")
        panel.focus()

    def _hide(self) -> None:
        for panel in self.screen.query(".presenter"):
            panel.display = False
