"""Head to head: two patterns run one after the other, compared on one scale.

N+1 against prefetch, the ORM's gather against aiosqlite's, the guard lifted
against the async ORM: the pairs a talk compares (``tui.versus``), each at
its own latency. Each figure is drawn as a bar on a scale shared by the two
sides (the larger fills the bar, unless both are below the figure's floor),
with the measured value beside it, and the wall times in big digits, so the
back of the room sees which is bigger and by how much.
"""

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.instrument.formatting import format_seconds
from tui.lessons.patterns import pattern_of
from tui.lessons.versus import FIGURES, PAIRS, Pair, comparison
from tui.ui.messages import (
    BlankScreen,
    PatternShown,
    PresenterClosed,
    RunRequested,
    RunsFinished,
)

HINTS = "enter/pgdn: run both  c/→: next pair  b/.: blank  esc: leave  ?: keys"
LABEL_WIDTH = 15
BAR_WIDTH = 24
"""The widest a bar is drawn; a narrow side draws shorter ones."""
VALUE_WIDTH = 9
"""Room kept beside a bar for its value (" 1.36 s")."""


def figure_bars(
    label: str,
    values: tuple[float | None, float | None],
    floor: float = 0.0,
    width: int = BAR_WIDTH,
) -> tuple[Text, Text]:
    """One figure for both sides as bars on a scale they share.

    The scale's top is the larger value, or ``floor`` if both are below it:
    two small values are drawn small, not one of them as a full bar.
    """
    top = max((v for v in values if v is not None), default=0.0)
    top = max(top, floor)
    texts = []
    for value in values:
        text = Text(f"{label:<{LABEL_WIDTH}}", style="dim", no_wrap=True)
        if value is None:
            text.append("not measured", style="dim")
        else:
            cells = round(width * value / top) if top > 0 else 0
            # A measured value never shows as nothing at all.
            text.append("█" * max(cells, 1), style="bold cyan")
            text.append(f" {format_seconds(value)}", style="bold")
        texts.append(text)
    return texts[0], texts[1]


def big_wall(seconds: float) -> tuple[str, str]:
    """The digits and the unit for a wall time: ``("780", "ms")``, ``("1.21", "s")``."""
    if seconds >= 1:
        return f"{seconds:.2f}", "s"
    ms = seconds * 1000
    return (f"{ms:.0f}" if ms >= 10 else f"{ms:.1f}"), "ms"


class VersusSide(Vertical):
    """One side of the comparison: the pattern, its wall time, its figures."""

    DEFAULT_CSS = """
    VersusSide {
        width: 1fr;
        height: auto;
        padding: 0 1;
    }
    VersusSide Horizontal {
        height: auto;
    }
    VersusSide .versus-title {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    VersusSide Digits {
        width: auto;
        text-style: bold;
    }
    VersusSide .versus-unit {
        width: auto;
        height: 3;
        content-align: left bottom;
        padding-left: 1;
        text-style: bold;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(classes="versus-title")
        # The unit beside the digits, on their last line, as in large mode.
        with Horizontal():
            yield Digits("")
            yield Static(classes="versus-unit")
        yield Static(classes="versus-figures")

    def show(self, spec: RunSpec, result: RunResult | None, figures: Text) -> None:
        """Draw ``spec``'s side: its title, and ``result``'s figures if it ran."""
        title = Text(f" {spec.label} ", style="bold reverse", no_wrap=True)
        title.append(f" {spec.title}", style="bold")
        self.query_one(".versus-title", Static).update(title)
        digits, unit = big_wall(result.wall) if result is not None else ("", "")
        self.query_one(Digits).update(digits)
        self.query_one(".versus-unit", Static).update(f"{unit} wall" if unit else "")
        self.query_one(".versus-figures", Static).update(figures)


class VersusPanel(Vertical, can_focus=True):
    """Two patterns side by side; it asks the app to run them, one at a time.

    They run one after the other, never together, so neither disturbs the
    other's figures; each press runs both again (their numbers show in the
    runs table). One run each is what it shows: the quiz, not this view,
    compares medians. Opened over the tour or the quiz, leaving it returns
    there; opened again, it shows the pair it was left on.
    """

    DETOUR = True
    """Left, it returns to the tour or quiz it was opened over."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,pagedown", "run", "Run both"),
        Binding("c,right", "next", "Next pair"),
        Binding("left,pageup", "previous", "Previous pair", show=False),
        Binding("b,full_stop", "blank", "Blank", show=False),
        Binding("escape", "leave", "Leave"),
    ]

    def __init__(self, pairs: Sequence[Pair] = PAIRS, *, id: str | None = None) -> None:
        """``pairs``: head to head for the demo's database (``pairs_for``)."""
        super().__init__(id=id, classes="presenter")
        self.pairs = tuple(pairs)
        self.pair = 0
        self.results: tuple[RunResult, ...] = ()
        self._asked: object | None = None
        """The token of the request in flight."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="versus-sides"):
            yield VersusSide()
            yield VersusSide()
        yield Static(id="versus-summary")

    def on_mount(self) -> None:
        # Opened before its sides were composed: draw and take focus now.
        self.redraw()
        self.focus()

    def on_resize(self) -> None:
        # The bars are as long as the sides are wide.
        self.redraw()

    @property
    def running(self) -> bool:
        """True while the pair's two runs are in flight."""
        return self._asked is not None

    @property
    def current(self) -> Pair:
        """The pair shown now."""
        return self.pairs[self.pair]

    @property
    def specs(self) -> tuple[RunSpec, RunSpec]:
        """The two runs of the pair shown now, at the pair's own latency."""
        return self.current.specs

    def resume(self) -> None:
        """Show the pair it was left on, with what it measured."""
        self._announce()
        self.redraw()

    def _announce(self) -> None:
        first = self.specs[0]
        self.post_message(
            PatternShown(pattern_of(first), first.latency_ms, "this pair")
        )

    def _change_pair(self, pair: int) -> None:
        if self.running:
            return
        self.pair = pair % len(self.pairs)
        self.results = ()
        self._announce()
        self.redraw()

    def _bar_width(self) -> int:
        sides = list(self.query(VersusSide))
        room = sides[0].content_region.width if sides else 0
        return max(4, min(BAR_WIDTH, room - LABEL_WIDTH - VALUE_WIDTH))

    def redraw(self) -> None:
        """Both sides, and the line under them."""
        sides = list(self.query(VersusSide))
        if len(sides) < 2:  # not composed yet: on_mount draws
            return
        pair = self.current
        self.border_title = (
            f"head to head · pair {self.pair + 1} of {len(self.pairs)} · "
            f"latency {pair.latency_ms:g} ms per query"
        )
        results: tuple[RunResult | None, RunResult | None]
        results = (
            (self.results[0], self.results[1])
            if len(self.results) == 2
            else (None, None)
        )
        columns: list[list[Text]] = [[], []]
        if results[0] is not None and results[1] is not None:
            width = self._bar_width()
            for figure in FIGURES:
                left, right = figure_bars(
                    figure.label,
                    (figure.read(results[0]), figure.read(results[1])),
                    figure.floor,
                    width,
                )
                columns[0].append(left)
                columns[1].append(right)
        for side, spec, result, lines in zip(
            sides, self.specs, results, columns, strict=True
        ):
            if result is not None:
                lines.append(Text(result.verdict, style="bold", no_wrap=True))
            side.show(spec, result, Text("\n").join(lines))
        summary = Text()
        if self.running:
            summary.append("measuring, one after the other…", style="bold cyan")
        elif results[0] is not None and results[1] is not None:
            summary.append(
                comparison(results[0], results[1], pair), style="bold yellow"
            )
            summary.append(
                f"   runs #{results[0].number} and #{results[1].number}", style="dim"
            )
        summary.append(f"\n{HINTS}", style="dim")
        self.query_one("#versus-summary", Static).update(summary)

    def action_run(self) -> None:
        """Run both patterns of the pair, one after the other."""
        if self.running:
            return
        self._asked = token = object()
        self.results = ()
        self.redraw()
        self.post_message(RunRequested(self.specs, reply_to=self, token=token))

    @on(RunsFinished)
    def _runs_finished(self, message: RunsFinished) -> None:
        if self._asked is None or message.token is not self._asked:
            return
        self._asked = None
        self.results = message.results if message.problem is None else ()
        if message.problem is not None:
            self.notify(message.problem, title="head to head", markup=False)
        self.redraw()

    def action_next(self) -> None:
        self._change_pair(self.pair + 1)

    def action_previous(self) -> None:
        self._change_pair(self.pair - 1)

    def action_blank(self) -> None:
        self.post_message(BlankScreen())

    def action_leave(self) -> None:
        self.post_message(PresenterClosed())
