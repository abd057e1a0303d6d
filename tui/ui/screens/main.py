"""The demo's screen: its patterns, their code and what really happens.

The screen lays the widgets out (``tui.ui.screens.live``), turns pattern
keys into ``RunRequested`` messages and opens the lessons: the tour, the
quiz and head to head. It decides nothing about running.
"""

import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList

from tui.engine.client import RunResult
from tui.engine.runs import RunSpec
from tui.lessons.patterns import PATTERNS, Catalog, Pattern
from tui.ui.messages import PatternShown, RunRequested
from tui.ui.screens.live import (
    BLANK,
    CLEAR,
    FREEZE,
    HELP,
    LARGE,
    LATENCY_DOWN,
    LATENCY_UP,
    QUIT,
    REPLAY,
    SAVE,
    SCALE,
    SVG,
    LiveScreen,
)
from tui.ui.widgets.pattern_detail import Explanation, SourceView
from tui.ui.widgets.pattern_list import PatternList
from tui.ui.widgets.stall_line import worst_stall

if TYPE_CHECKING:
    from tui.ui.screens.help import Section


def pattern_bindings(patterns: Catalog) -> list[BindingType]:
    """A key for each pattern of ``patterns``, described by its own title."""
    return [
        Binding(p.key, f"run('{p.name}')", p.title, show=False, tooltip=p.url)
        for p in patterns
    ]


class MainScreen(LiveScreen):
    """Everything a presenter needs on one screen, for the SQLite catalog;
    ``demo_screen`` gives the screen for another backend's."""

    catalog: ClassVar[Catalog] = PATTERNS
    """The patterns the keys fire, the list shows and the lessons run."""

    # In the footer's order: what a presenter needs most first, and Quit
    # early, so narrow terminals show it too. "app." actions are the app's.
    BINDINGS: ClassVar[list[BindingType]] = [
        *pattern_bindings(PATTERNS),
        Binding("enter", "run_selected", "Run selected", show=False),
        Binding("b", "burst", "Burst", tooltip="the selected pattern, concurrently"),
        LATENCY_UP,
        LATENCY_DOWN,
        FREEZE,
        CLEAR,
        QUIT,
        Binding("o", "tour", "Tour", tooltip="the guided tour, step by step"),
        Binding("z", "quiz", "Quiz", tooltip="predict, then run"),
        # Not on the key bar, which has no room left at 80 columns.
        Binding(
            "c", "versus", "Head to head", show=False, tooltip="two patterns compared"
        ),
        REPLAY,
        SAVE,
        SVG,
        LARGE,
        SCALE,
        BLANK,
        HELP,
    ]

    def __init__(
        self,
        *,
        burst: int,
        large: bool,
        live: bool,
        tour_path: Path | None = None,
        clock: Callable[[], float] = time.perf_counter,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
        keep_event: Callable[[str], None] | None = None,
    ) -> None:
        """Args are the app's of the same names (see ``LoopbeatApp``), and
        ``keep_event``, given every event shown, for the session's exports."""
        super().__init__(
            burst=burst,
            large=large,
            live=live,
            clock=clock,
            stamp=stamp,
            keep_event=keep_event,
        )
        self.tour_path = tour_path

    def compose_left(self) -> ComposeResult:
        yield PatternList(self.catalog, id="patterns")
        yield Explanation(id="explanation")

    def mounted(self) -> None:
        self.pattern_list = self.query_one(PatternList)
        self.query_one("#patterns").border_title = "patterns (key fires)"
        self.query_one("#explanation").border_title = "what really happens"
        self.pattern_list.focus()
        self.pattern_list.highlighted = 0

    def focus_list(self) -> None:
        self.pattern_list.focus()
        self.show_pattern(self.pattern_list.selected_pattern)

    def key_sections(self) -> "tuple[Section, ...]":
        from tui.ui.screens.help import key_sections

        return key_sections(self)

    # --- what the app hands down -------------------------------------------------

    def show_finished(self, result: RunResult) -> None:
        """If the run's pattern's code is on screen, the line its worst stall
        named is highlighted there."""
        worst = worst_stall(result)
        pattern = result.spec.pattern
        if (
            worst is None
            or pattern is not self._shown
            or not isinstance(pattern, Pattern)
        ):
            return
        line = pattern.line_of(worst.location)
        if line is not None:
            self.query_one(SourceView).show(pattern, line)

    # --- keys ----------------------------------------------------------------------

    _shown: Pattern | None = None

    def show_pattern(self, pattern: Pattern | None) -> None:
        """The code and explanation panels follow what is being talked about."""
        self._shown = pattern
        self.query_one(SourceView).show(pattern)
        self.query_one(Explanation).show(pattern)

    @on(OptionList.OptionHighlighted, "#patterns")
    def _pattern_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_pattern(self.catalog.find(event.option.id or ""))

    @on(PatternShown)
    def _pattern_shown(self, message: PatternShown) -> None:
        # From the tour and the quiz: the panels follow what they talk about,
        # and the header says the latency their runs have.
        message.stop()
        self.show_pattern(message.pattern)
        if message.latency_ms is None:
            self.presented_latency = None
        else:
            self.presented_latency = (message.latency_ms, message.latency_of)

    @on(OptionList.OptionSelected, "#patterns")
    def _pattern_selected(self, event: OptionList.OptionSelected) -> None:
        pattern = self.catalog.find(event.option.id or "")
        self.post_message(RunRequested((RunSpec.of(pattern),)))

    def action_run(self, name: str) -> None:
        """Select and run the pattern called ``name``."""
        pattern = self.catalog.find(name)
        self.pattern_list.select_pattern(pattern)
        self.post_message(RunRequested((RunSpec.of(pattern),)))

    def action_run_selected(self) -> None:
        """Run the highlighted pattern."""
        self.post_message(
            RunRequested((RunSpec.of(self.pattern_list.selected_pattern),))
        )

    def action_burst(self) -> None:
        """Fire the selected pattern as concurrent requests."""
        pattern = self.pattern_list.selected_pattern
        self.post_message(RunRequested((RunSpec.of(pattern, self.burst),)))

    def action_tour(self) -> None:
        """Open the guided tour where it was left (space runs each step)."""
        from tui.lessons.tour import Tour, TourError, load_tour
        from tui.ui.widgets.tour_panel import TourPanel

        backend = self.catalog.backend
        panel = self.presenter(TourPanel)
        if panel is not None and panel.tour is not None:
            self.open_presenter(TourPanel).resume()
            return
        try:
            tour = Tour(load_tour(self.tour_path, backend))
        except TourError as error:
            self.notify(str(error), title="tour", severity="error", markup=False)
            return
        self.open_presenter(TourPanel, make=lambda: TourPanel(backend=backend)).start(
            tour
        )

    def action_quiz(self) -> None:
        """Open the predict-then-run quiz where it was left."""
        from tui.lessons.quizzes import questions_for
        from tui.ui.widgets.quiz_panel import QuizPanel

        questions = questions_for(self.catalog.backend)
        self.open_presenter(QuizPanel, make=lambda: QuizPanel(questions)).resume()

    def action_versus(self) -> None:
        """Open the head-to-head view: two patterns, one scale."""
        from tui.lessons.versus import pairs_for
        from tui.ui.widgets.versus_panel import VersusPanel

        pairs = pairs_for(self.catalog.backend)
        self.open_presenter(
            VersusPanel, detour=True, make=lambda: VersusPanel(pairs)
        ).resume()


@cache
def demo_screen(patterns: Catalog) -> type[MainScreen]:
    """The demo's screen for ``patterns``: the same screen, its keys
    described by that catalog's titles (on PostgreSQL, psycopg's)."""
    if patterns is MainScreen.catalog:
        return MainScreen
    rest = [b for b in MainScreen.BINDINGS if not _fires_a_pattern(b)]
    return type(
        f"MainScreen_{patterns.backend}",
        (MainScreen,),
        {"catalog": patterns, "BINDINGS": [*pattern_bindings(patterns), *rest]},
    )


def _fires_a_pattern(binding: BindingType) -> bool:
    return isinstance(binding, Binding) and binding.action.startswith("run('")
