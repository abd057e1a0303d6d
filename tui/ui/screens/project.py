"""A project's screen: its routes, their views' code and facts, its middleware.

The left column lists the paths pinned to the number keys (``--url``) and
every route of the URLconf, walked once Django is set up; the code panel
shows the highlighted route's view with its file's line numbers, the line
a run's stall named marked; the facts panel says how Django runs the view
and what its last run did. ``/`` types any path; ``m`` audits the
middleware on the highlighted route. The demo's lessons (tour, quiz, head
to head) are not here: they are about the demo's patterns.
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList, Static

from tui.engine.client import RunResult
from tui.engine.routes import Route
from tui.engine.runs import RunSpec
from tui.engine.target import Target
from tui.instrument.printable import printable, printable_line
from tui.ui.messages import RunRequested
from tui.ui.project_views import (
    ProjectViews,
    load_project_views,
    resolve_route,
    stall_place,
)
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
from tui.ui.widgets.pattern_detail import SourceView
from tui.ui.widgets.route_facts import RouteFacts
from tui.ui.widgets.route_list import MAX_PINNED, Choice, RouteList
from tui.ui.widgets.stall_line import worst_stall

if TYPE_CHECKING:
    from tui.ui.screens.help import Section

WRITES_ALLOWED = "writes allowed: POST, PUT, PATCH and DELETE are sent to your project"


class ProjectScreen(LiveScreen):
    """The live screen on a user's Django project.

    Args:
        target: The project (its root names files; ``describe`` the header).
        pinned: The paths the number keys fire, in order (``--url``).
        allow_writes: Whether methods that write may be sent.
        The others are ``LiveScreen``'s.
    """

    RUN_HEADING = "path"
    READY_HINT = "Enter runs the highlighted route, / types any path"

    # In the footer's order: Quit early, so 80 columns show it too.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "run_selected", "Run", show=False),
        *(
            Binding(
                str(n),
                f"pinned({n})",
                "Pinned path" if n == 1 else "",
                show=False,
                key_display="1-9",
                tooltip="the --url paths, in order",
            )
            for n in range(1, MAX_PINNED + 1)
        ),
        Binding("b", "burst", "Burst", tooltip="the highlighted route, concurrently"),
        Binding(
            "slash,g",
            "type_path",
            "Path",
            key_display="/",
            tooltip="type any path to run (parameters filled in)",
        ),
        Binding(
            "m",
            "audit",
            "Middleware",
            tooltip="each class: how Django runs it, its hops, its cost, measured",
        ),
        LATENCY_UP,
        LATENCY_DOWN,
        FREEZE,
        CLEAR,
        QUIT,
        REPLAY,
        SAVE,
        SVG,
        LARGE,
        # Off the key bar: m and / take its room at 80 columns.
        Binding("y", "toggle_scale", "Scale", show=False, tooltip=SCALE.tooltip),
        BLANK,
        HELP,
    ]

    def __init__(
        self,
        *,
        target: Target,
        burst: int,
        large: bool,
        live: bool,
        pinned: Sequence[RunSpec] = (),
        allow_writes: bool = False,
        clock: Callable[[], float] = time.perf_counter,
        stamp: Callable[[], str] = lambda: time.strftime("%H:%M:%S"),
        keep_event: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(
            burst=burst,
            large=large,
            live=live,
            clock=clock,
            stamp=stamp,
            keep_event=keep_event,
        )
        self.target = target
        self.pinned = tuple(pinned)
        self.allow_writes = allow_writes
        self.views = ProjectViews()
        self._last: dict[Route, RunResult] = {}
        """The newest run of each route, for its facts and its stalled line."""
        self.route_of: Callable[[str], Route | None] = lambda path: resolve_route(
            path, self.views.routes
        )
        """The route a path resolves to (Django's resolver decides)."""

    def compose_left(self) -> ComposeResult:
        if self.allow_writes:
            yield Static(Text(WRITES_ALLOWED), id="writes")
        yield RouteList(id="routes")
        yield RouteFacts(id="explanation")

    def mounted(self) -> None:
        self.route_list = self.query_one(RouteList)
        self.route_list.border_title = "routes (enter runs)"
        self.query_one(RouteFacts).border_title = "the view, and its last run"
        self.query_one(SourceView).show_text(
            Text("the highlighted route's view is shown here", style="dim")
        )
        self.route_list.focus()

    def focus_list(self) -> None:
        self.route_list.focus()
        self.show_choice(self.route_list.selected)

    def about(self, django_version: str) -> str:
        """The header's facts: project and settings, DEBUG, database, Django.

        The project is named by its settings module when that starts with
        its name (``mysite.settings``), else both are (``src (config.settings)``);
        Django's version comes last, the first a narrow header cuts.
        """
        facts = self.target.describe
        name = facts.get("project", self.target.name)
        settings = self.target.settings_module
        named = settings if settings.split(".")[0] == name else f"{name} ({settings})"
        parts = [
            named,
            f"DEBUG {facts.get('debug', '?')}",
            facts.get("database", "no database"),
            f"Django {django_version}",
        ]
        if self.allow_writes:
            parts.append("WRITES ALLOWED")
        return printable_line(" · ".join(parts))

    def key_sections(self) -> "tuple[Section, ...]":
        from tui.ui.screens.path_prompt import PathPrompt
        from tui.ui.widgets.audit_panel import AuditPanel
        from tui.ui.widgets.replay_panel import ReplayPanel

        return (
            ("anywhere", (*self.BINDINGS, *self.app.BINDINGS)),
            ("typing a path (/)", PathPrompt.BINDINGS),
            ("in the middleware audit (m)", AuditPanel.BINDINGS),
            ("in the replay (r)", ReplayPanel.BINDINGS),
        )

    # --- the routes, once Django is set up ----------------------------------------

    def engine_ready(self) -> None:
        self.run_worker(self._read_routes(), group="routes", exit_on_error=False)

    async def _read_routes(self) -> None:
        # Importing the URLconf and reading source files: off the loop.
        root = self.target.project_root
        views = await asyncio.to_thread(load_project_views, root)
        self.show_views(views)

    def show_views(self, views: ProjectViews) -> None:
        """List ``views``' routes, the pinned paths first."""
        self.views = views
        pinned = [(spec, self.route_of(spec.path)) for spec in self.pinned]
        self.route_list.show_routes(views, pinned)
        self.show_choice(self.route_list.selected)

    # --- what the panels show ----------------------------------------------------

    def show_choice(self, choice: Choice | None) -> None:
        """The facts and the code panels follow the highlighted row."""
        route = choice.route if choice is not None else None
        last = self._last.get(route) if route is not None else None
        self.query_one(RouteFacts).show(choice, last)
        self._show_code(route, last)

    def _show_code(self, route: Route | None, last: RunResult | None) -> None:
        panel = self.query_one(SourceView)
        if route is None:
            panel.show_text(Text("no route matches this path: no view to show"))
            return
        source = self.views.sources.get(route.view)
        if source is None:
            panel.show_text(Text(printable(f"no source to show for {route.view}")))
            return
        line = None
        worst = worst_stall(last) if last is not None else None
        place = stall_place(worst.location) if worst is not None else None
        if place is not None and source.shows(*place):
            line = place[1]
        note = None if source.mine else Text("a package's view", style="dim")
        title = printable_line(f"{source.file} · {route.kind} view")
        panel.show_source([(source.first, source.code)], title, line, note)

    def show_finished(self, result: RunResult) -> None:
        """Its route's facts and code follow the run, the stalled line marked."""
        route = self.route_of(result.spec.path)
        if route is None:
            return
        self._last[route] = result
        shown = self.route_list.selected
        if shown is not None and shown.route == route:
            self.show_choice(shown)

    @on(OptionList.OptionHighlighted, "#routes")
    def _route_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_choice(self.route_list.choice_of(event.option.id))

    @on(OptionList.OptionSelected, "#routes")
    def _route_selected(self, event: OptionList.OptionSelected) -> None:
        self._fire(self.route_list.choice_of(event.option.id))

    # --- keys ----------------------------------------------------------------------

    def _fire(self, choice: Choice | None, burst: int = 1) -> None:
        if choice is None:
            self.notify("no route listed yet", title="routes", timeout=3)
            return
        spec = choice.spec
        if spec is None:  # parameters to fill in
            self.action_type_path()
            return
        if burst > 1:
            spec = RunSpec(spec.path, burst, spec.latency_ms, spec.method)
        self.post_message(RunRequested((spec,)))

    def action_run_selected(self) -> None:
        """Run the highlighted route (one with parameters: type them in)."""
        self._fire(self.route_list.selected)

    def action_pinned(self, key: int) -> None:
        """Run the path pinned to number ``key``."""
        choice = self.route_list.pinned(key)
        if choice is None:
            self.notify(
                f"no path pinned to {key}: start loopbeat with --url PATH "
                f"(up to {MAX_PINNED}, in order)",
                title="pinned paths",
                timeout=4,
                markup=False,
            )
            return
        self.route_list.highlighted = self.route_list.get_option_index(f"pin-{key}")
        self._fire(choice)

    def action_burst(self) -> None:
        """Fire the highlighted route as concurrent requests."""
        self._fire(self.route_list.selected, self.burst)

    def action_type_path(self) -> None:
        """Type a path to run, prefilled with the highlighted route's."""
        from tui.ui.screens.path_prompt import PathPrompt

        choice = self.route_list.selected
        template = choice.template if choice is not None else "/"
        prompt = PathPrompt(template, allow_writes=self.allow_writes)
        self.app.push_screen(prompt, self._path_typed)

    def _path_typed(self, spec: RunSpec | None) -> None:
        if spec is None:
            return
        route = self.route_of(spec.path)
        if route is not None:
            self.route_list.highlight_route(route)
        self.post_message(RunRequested((spec,)))

    def action_audit(self) -> None:
        """Open the middleware audit, measuring on the highlighted route."""
        from tui.ui.widgets.audit_panel import AuditPanel

        panel = self.presenter(AuditPanel)
        if panel is not None and panel.measuring:
            self.open_presenter(AuditPanel, detour=True)
            return
        choice = self.route_list.selected
        spec = choice.spec if choice is not None else None
        if spec is None or spec.writes:
            self.notify(
                "highlight a route that answers a GET (a pinned path, or a "
                "route without parameters): the audit sends it about fifty times",
                title="middleware audit",
                timeout=5,
                markup=False,
            )
            return
        self.open_presenter(AuditPanel, detour=True).begin(
            RunSpec(spec.path, 1, spec.latency_ms, spec.method)
        )
