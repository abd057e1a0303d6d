"""The highlighted route's facts: its view, how Django runs it, its last run.

What a project's screen has where the demo explains a pattern: the view
behind the route, what sync or async means for it under ASGI, and what its
last run measured (status, verdict, statements and the threads that ran
them, and every thread hop with what caused it). Every word about a run is
read off that run's result; the project's names are ``Text``, never markup.
"""

from collections import Counter

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.engine.middleware import hop_name
from tui.engine.results import RunResult
from tui.instrument.formatting import format_seconds
from tui.instrument.printable import printable
from tui.ui.widgets.results import verdict_line, verdict_style
from tui.ui.widgets.route_list import Choice

LOOP_THREAD = "MainThread"
"""The thread the loop (and so an async view) runs on."""

ASYNC_MEANS = (
    "async: it runs on the event loop; until it awaits, nothing else runs there"
)
SYNC_MEANS = (
    "sync: Django runs it in a worker thread (sync_to_async); the loop "
    "keeps beating meanwhile"
)


def hop_summary(result: RunResult) -> str:
    """``15 hops: request_started, SessionMiddleware x2, ..., response close``.

    The first request's hops (each request of a burst makes the same), each
    cause named once in the order it first hopped, with its count.
    """
    span = result.requests[0] if result.requests else None
    if span is None or not span.record.hops:
        return "no thread hops"
    counts: Counter[str] = Counter(hop_name(h.caller) for h in span.record.hops)
    parts = [f"{name} x{n}" if n > 1 else name for name, n in counts.items()]
    total = len(span.record.hops)
    each = " a request" if result.burst > 1 else ""
    return f"{total} hop{'s' * (total != 1)}{each}: {', '.join(parts)}"


def threads_named(threads: tuple[str, ...]) -> str:
    """``ThreadPoolExecutor-1_0`` or ``the loop (MainThread)``, joined."""
    return ", ".join(f"the loop ({t})" if t == LOOP_THREAD else t for t in threads)


def last_run_text(result: RunResult) -> Text:
    """What the run measured, a line for each kind of fact."""
    text = Text()
    burst = f" · {result.burst} at once" if result.burst > 1 else ""
    text.append(f"last run #{result.number}", style="bold")
    text.append(
        f" {result.spec.method} {printable(result.spec.path)} · "
        f"{result.status} · {format_seconds(result.wall)}{burst}\n",
        style="bold",
    )
    text.append(verdict_line(result), style=verdict_style(result))
    text.append("\n")
    text.append(printable(hop_summary(result)))
    text.append("\n")
    count = result.queries
    if count:
        threads = threads_named(result.query_threads)
        text.append(f"{count} statement{'s' * (count != 1)} on {threads}")
    else:
        text.append("no statements")
    if result.view_threads:
        text.append(f"; view on {threads_named(result.view_threads)}")
    return text


def facts_text(choice: Choice | None, last: RunResult | None) -> Text:
    """The facts for the highlighted row, and its last run if it has one.

    Compact: at 110x34 the panel has eleven rows, and the hops, the point of
    the panel, come after the route's facts.
    """
    text = Text()
    if choice is None:
        text.append("no route highlighted", style="dim")
        return text
    route = choice.route
    spec = choice.spec
    key = f" · key {choice.key}" if choice.key is not None else ""
    # A pinned path other than its route's pattern (/posts/5/) says both.
    if spec is not None and (route is None or spec.label != "/" + route.pattern):
        text.append(printable(spec.label), style="bold")
        text.append(f"{key}\n", style="dim")
        key = ""
    if route is None:
        text.append("no route of the URLconf matches it\n")
    else:
        text.append(printable("/" + route.pattern), style="bold")
        text.append(printable(f"  {route.name or ''}{key}"), style="dim")
        text.append(printable(f"\nview {route.view}\n"))
        text.append(ASYNC_MEANS if route.is_async else SYNC_MEANS)
        text.append("\n")
        if spec is None:
            needs = ", ".join(route.parameters)
            text.append(
                printable(f"needs {needs}: Enter types the path\n"),
                style="yellow",
            )
    if last is None:
        text.append("not run yet in this session", style="dim")
    else:
        text.append_text(last_run_text(last))
    return text


class RouteFacts(VerticalScroll):
    """The facts of the highlighted route (where the demo explains a pattern)."""

    def compose(self) -> ComposeResult:
        yield Static(id="facts-text")

    def on_resize(self) -> None:
        # Rewrapped for the size the breakpoints give it (as Explanation is).
        self.query_one("#facts-text", Static).refresh(layout=True)

    def show(self, choice: Choice | None, last: RunResult | None) -> None:
        """Display ``choice``'s facts and ``last``, its newest run (or None)."""
        self.query_one("#facts-text", Static).update(facts_text(choice, last))
