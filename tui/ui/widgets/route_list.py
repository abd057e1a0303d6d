"""A project's routes, and the paths pinned to the number keys, to fire.

Pinned paths (``--url``) come first, each with its key; then the routes to
the project's own views, then those to its packages' views (the admin's),
each with whether Django runs its view on the loop (async) or in a worker
thread (sync), its pattern and its name. Every text here is the project's:
drawn as ``Text``, never read as markup.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.engine.routes import Route
from tui.engine.runs import RunSpec, SpecError
from tui.ui.project_views import ProjectViews

MAX_PINNED = 9
"""Paths the number keys fire."""


@dataclass(frozen=True)
class Choice:
    """What a row of the list is: a route, a pinned path, or both."""

    route: Route | None
    """The route (for a pinned path, the one it resolves to; None: none)."""
    spec: RunSpec | None = None
    """What Enter fires; None for a route whose parameters need filling in."""
    key: int | None = None
    """The number key of a pinned path."""

    @property
    def template(self) -> str:
        """The path to offer for editing: the spec's, else the pattern's."""
        if self.spec is not None:
            return self.spec.label
        if self.route is None:
            return "/"
        # A regex route's anchors are no part of the path to type.
        return "/" + self.route.pattern.replace("^", "").removesuffix("$")


def route_prompt(route: Route) -> Text:
    """``async /report/  slow_report``: how it runs, the pattern, the name."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{route.kind:<5} ", style="bold cyan" if route.is_async else "dim")
    text.append("/" + route.pattern)
    shown = route.name or route.view.rsplit(".", 1)[-1]
    text.append(f"  {shown}", style="dim")
    return text


def pinned_prompt(key: int, spec: RunSpec, route: Route | None) -> Text:
    """`` 1  async /report/`` with the key highlighted, as the demo's keys are."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" {key} ", style="bold reverse")
    text.append(" ")
    if route is None:
        text.append("  -   ", style="dim")
    else:
        text.append(f"{route.kind:<5} ", style="bold cyan" if route.is_async else "dim")
    text.append(spec.label)
    if route is None:
        text.append("  no route", style="dim")
    return text


class RouteList(OptionList):
    """The pinned paths and every route; highlighting one shows its view."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            Option(Text("reading your URLconf…", style="dim"), disabled=True), id=id
        )
        self._choices: dict[str, Choice] = {}

    def show_routes(
        self, views: ProjectViews, pinned: Sequence[tuple[RunSpec, Route | None]]
    ) -> None:
        """List ``pinned`` paths (with the route each resolves to) and routes."""
        options: list[Option | None] = []
        self._choices = {}

        def add(option_id: str, prompt: Text, choice: Choice) -> None:
            self._choices[option_id] = choice
            options.append(Option(prompt, id=option_id))

        for index, (spec, route) in enumerate(pinned[:MAX_PINNED]):
            key = index + 1
            add(f"pin-{key}", pinned_prompt(key, spec, route), Choice(route, spec, key))
        if options:
            options.append(None)
        if views.problem is not None:
            sentence = f"your URLconf does not import: {views.problem}"
            options.append(Option(Text(sentence, style="red"), disabled=True))
        for index, route in enumerate(views.own):
            add(f"own-{index}", route_prompt(route), _route_choice(route))
        if views.packages:
            options.append(Option(Text("packages' views", style="dim"), disabled=True))
        for index, route in enumerate(views.packages):
            add(f"package-{index}", route_prompt(route), _route_choice(route))
        self.set_options(options)
        first = next(
            (i for i, o in enumerate(self.options) if o.id in self._choices), None
        )
        self.highlighted = first

    @property
    def selected(self) -> Choice | None:
        """The highlighted row's choice (None while nothing is listed)."""
        if self.highlighted is None:
            return None
        return self.choice_of(self.get_option_at_index(self.highlighted).id)

    def choice_of(self, option_id: str | None) -> Choice | None:
        """The choice of the row ``option_id``."""
        return self._choices.get(option_id or "")

    def pinned(self, key: int) -> Choice | None:
        """The path pinned to number ``key``, if any."""
        return self._choices.get(f"pin-{key}")

    def highlight_route(self, route: Route) -> None:
        """Move the highlight to ``route``'s own row (not a pinned path's)."""
        for option_id, choice in self._choices.items():
            if choice.route == route and choice.key is None:
                self.highlighted = self.get_option_index(option_id)
                return


def _route_choice(route: Route) -> Choice:
    path = route.path
    if path is None:
        return Choice(route)
    try:
        return Choice(route, RunSpec(path))
    except SpecError:  # a regex route whose path is no plain path: type it
        return Choice(route)
