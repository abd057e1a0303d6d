"""Head to head: two patterns run one after the other, compared on one scale.

N+1 against prefetch, the ORM's gather against aiosqlite's, the guard lifted
against the async ORM: the pairs a talk compares. Each figure is drawn as a
bar on a scale shared by the two sides (the larger fills the bar), with the
measured value beside it, and the wall times in big digits, so the back of
the room sees which is bigger and by how much.
"""

from collections.abc import Callable
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
from tui.lessons.patterns import find, pattern_of
from tui.ui.messages import (
    BlankScreen,
    PatternShown,
    PresenterClosed,
    RunRequested,
    RunsFinished,
)

PAIRS = (
    ("n-plus-one", "prefetched"),
    ("gather-orm", "gather-native"),
    ("sync-unguarded", "async-for"),
)
"""The comparisons a talk makes, in the order ``c`` steps through them."""
HINTS = "enter / page down: run both   c / →: next pair   b / .: blank   esc: leave"
FIGURES: tuple[tuple[str, Callable[[RunResult], float | None]], ...] = (
    ("wall", lambda r: r.wall),
    ("worst loop lag", lambda r: r.loop_max_lag),
    ("ping p99", lambda r: r.ping_p99),
)
"""Each compared figure: its label and how to read it (seconds) from a run."""
LABEL_WIDTH = 15
BAR_WIDTH = 24


def figure_bars(
    label: str, values: tuple[float | None, float | None]
) -> tuple[Text, Text]:
    """One figure for both sides as bars on a scale they share."""
    top = max((v for v in values if v is not None), default=0.0)
    texts = []
    for value in values:
        text = Text(f"{label:<{LABEL_WIDTH}}", style="dim", no_wrap=True)
        if value is None:
            text.append("not measured", style="dim")
        else:
            cells = round(BAR_WIDTH * value / top) if top > 0 else 0
            # A measured value never shows as nothing at all.
            text.append("█" * max(cells, 1), style="bold cyan")
            text.append(f" {format_seconds(value)}", style="bold")
        texts.append(text)
    return texts[0], texts[1]


def comparison(first: RunResult, second: RunResult) -> str:
    """``n-plus-one took 6.8x as long as prefetched`` (from the two walls)."""
    slow, fast = (first, second) if first.wall >= second.wall else (second, first)
    if fast.wall <= 0:
        return ""
    return f"{slow.label} took {slow.wall / fast.wall:.1f}x as long as {fast.label}"


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
        title = Text(f" {spec.label} ", style="bold reverse")
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
    compares medians.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,pagedown", "run", "Run both"),
        Binding("c,right", "next", "Next pair"),
        Binding("left,pageup", "previous", "Previous pair", show=False),
        Binding("b,full_stop", "blank", "Blank", show=False),
        Binding("escape", "leave", "Leave"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="presenter")
        self.pair = 0
        self.results: tuple[RunResult, ...] = ()
        self.running = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="versus-sides"):
            yield VersusSide()
            yield VersusSide()
        yield Static(id="versus-summary")

    def on_mount(self) -> None:
        self.border_title = "head to head"
        # Opened before its sides were composed: draw and take focus now.
        self.redraw()
        self.focus()

    @property
    def specs(self) -> tuple[RunSpec, RunSpec]:
        """The two runs of the pair shown now."""
        first, second = PAIRS[self.pair]
        return RunSpec.of(find(first)), RunSpec.of(find(second))

    def start(self) -> None:
        """Show the first pair, not yet run."""
        self.pair = 0
        self._change_pair(0)

    def _change_pair(self, pair: int) -> None:
        if self.running:
            return
        self.pair = pair % len(PAIRS)
        self.results = ()
        self.post_message(PatternShown(pattern_of(self.specs[0])))
        self.redraw()

    def redraw(self) -> None:
        """Both sides, and the line under them."""
        results: tuple[RunResult | None, RunResult | None]
        results = (
            (self.results[0], self.results[1])
            if len(self.results) == 2
            else (
                None,
                None,
            )
        )
        columns: list[list[Text]] = [[], []]
        if results[0] is not None and results[1] is not None:
            for label, read in FIGURES:
                left, right = figure_bars(label, (read(results[0]), read(results[1])))
                columns[0].append(left)
                columns[1].append(right)
        sides = list(self.query(VersusSide))
        if len(sides) < 2:  # not composed yet: on_mount draws
            return
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
            summary.append(comparison(results[0], results[1]), style="bold yellow")
            summary.append(
                f"   runs #{results[0].number} and #{results[1].number}", style="dim"
            )
        summary.append(f"\n{HINTS}", style="dim")
        self.query_one("#versus-summary", Static).update(summary)

    def action_run(self) -> None:
        """Run both patterns of the pair, one after the other."""
        if self.running:
            return
        self.running = True
        self.results = ()
        self.redraw()
        self.post_message(RunRequested(self.specs, reply_to=self))

    @on(RunsFinished)
    def _runs_finished(self, message: RunsFinished) -> None:
        if not self.running:
            return
        self.running = False
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
