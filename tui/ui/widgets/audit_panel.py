"""The middleware audit, docked over the runs table: each class, measured.

Each class of ``MIDDLEWARE``, in order: how Django runs it under ASGI (read
from its code at once), then, as the audit's runs come in, the thread hops
a request made because of it and what the same request did with the class
taken out (``tui.engine.audit``). The app runs the audit (``AuditRequested``);
the panel shows its progress and its answer.
"""

from typing import ClassVar

from rich import box
from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.engine.audit import MiddlewareCost
from tui.engine.middleware import MiddlewareClass
from tui.engine.runs import RunSpec
from tui.instrument.printable import printable
from tui.ui.messages import (
    AuditFinished,
    AuditProgress,
    AuditRequested,
    BlankScreen,
    PresenterClosed,
)

HINTS = "enter: again  ↑↓: scroll  esc: leave"
"""On the panel's lower border, so a long table never scrolls them away."""


def kind_text(middleware: MiddlewareClass) -> str:
    """How its code says Django runs it, before anything is measured."""
    hooks = ", ".join(middleware.hooks)
    if middleware.problem is not None:
        return f"{middleware.kind}: {middleware.problem}"
    return f"{middleware.kind} ({hooks})" if hooks else middleware.kind


def audit_table(
    classes: tuple[MiddlewareClass, ...], costs: tuple[MiddlewareCost, ...]
) -> Table:
    """One row per class: how it runs, its hops a request, the run without it."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False)
    table.add_column("class", no_wrap=True)
    table.add_column("how Django runs it under ASGI", ratio=1)
    table.add_column("hops", justify="right", no_wrap=True)
    table.add_column("the same request without it", ratio=1)
    if costs:
        for cost in costs:
            table.add_row(
                Text(printable(cost.middleware.name)),
                Text(printable(cost.how)),
                f"{cost.hops:.0f}",
                # The column's heading says "without it" once for all.
                Text(printable(cost.finding.removeprefix("without it: "))),
            )
        return table
    for middleware in classes:
        table.add_row(
            Text(printable(middleware.name)),
            Text(printable(kind_text(middleware))),
            Text("…", style="dim"),
            Text("measuring…", style="dim"),
        )
    return table


def audit_lines(
    classes: tuple[MiddlewareClass, ...], costs: tuple[MiddlewareCost, ...]
) -> Group:
    """The same facts as ``audit_table``, a block per class, for narrow panels."""
    rows = (
        [(c.middleware.name, c.how, f"{c.hops:.0f}", c.finding) for c in costs]
        if costs
        else [(m.name, kind_text(m), "…", "measuring…") for m in classes]
    )
    blocks: list[Text | Padding] = []
    for name, how, hops, finding in rows:
        head = Text(printable(name), style="bold")
        head.append(f" · {hops} hop{'' if hops == '1' else 's'} a request", style="")
        detail = Text(printable(how))
        detail.append(printable(f"\n{finding}"), style="dim")
        blocks += [head, Padding(detail, (0, 0, 0, 2))]
    return Group(*blocks)


TABLE_WIDTH = 140
"""Narrower than this, the audit is a block per class, not a table."""


class AuditPanel(VerticalScroll, can_focus=True):
    """What each class of the project's middleware costs a request."""

    DETOUR = True
    """Left, it returns to whatever panel it was opened over."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "again", "Measure again"),
        Binding("b,full_stop", "blank", "Blank", show=False),
        Binding("escape", "leave", "Leave"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="presenter")
        self.spec: RunSpec | None = None
        self.middleware: tuple[MiddlewareClass, ...] = ()
        self.costs: tuple[MiddlewareCost, ...] = ()
        self.measuring = False
        self.status = ""

    def compose(self) -> ComposeResult:
        yield Static(id="audit-body")

    def on_mount(self) -> None:
        self.border_subtitle = HINTS
        if self.spec is None:
            self.border_title = "middleware audit"
        self.redraw()

    def begin(self, spec: RunSpec) -> None:
        """Ask the app to audit on ``spec``'s request, and wait for its runs."""
        self.spec = spec
        self.costs = ()
        self.measuring = True
        self.status = f"measuring on {spec.method} {spec.path}: starting…"
        self.border_title = f"middleware audit · {spec.method} {spec.path}"
        self.redraw()
        self.post_message(AuditRequested(spec, self))

    @on(AuditProgress)
    def _progress(self, message: AuditProgress) -> None:
        self.middleware = message.classes
        if self.spec is not None:
            self.status = (
                f"measuring on {self.spec.method} {self.spec.path}: run "
                f"{message.done} of {message.total} (the whole stack and the "
                "stack without each class, interleaved; not in the runs table)"
            )
        self.redraw()

    @on(AuditFinished)
    def _finished(self, message: AuditFinished) -> None:
        self.measuring = False
        if message.problem is not None:
            self.status = f"not measured: {message.problem}"
        else:
            self.costs = message.costs
            self.status = (
                "hops: a request's thread hops its hooks made, counted off the "
                "records; without it: the same request with that class taken out "
                "(medians)"
            )
        self.redraw()

    def redraw(self) -> None:
        """Draw the status line, the table and the keys."""
        if not self.is_mounted:
            return  # on_mount draws it
        parts: list[Text | Table | Group] = [Text(printable(self.status), style="bold")]
        if self.middleware and self.size.width >= TABLE_WIDTH:
            parts.append(audit_table(self.middleware, self.costs))
        elif self.middleware:
            parts.append(audit_lines(self.middleware, self.costs))
        self.query_one("#audit-body", Static).update(Group(*parts))

    def on_resize(self) -> None:
        self.redraw()

    def action_again(self) -> None:
        """Measure the same request again."""
        if self.spec is not None and not self.measuring:
            self.begin(self.spec)

    def action_blank(self) -> None:
        """Black the screen out (a clicker's key)."""
        self.post_message(BlankScreen())

    def action_leave(self) -> None:
        """Back to the screen (the measuring goes on if it has not finished)."""
        self.post_message(PresenterClosed())
