"""Messages panels post up to the app; the app alone decides what happens.

A panel never calls into the app: it asks (``RunRequested``, ``PresenterClosed``)
and the app answers the asker (``RunsFinished``), so who may run what, and
when, is decided in one place.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message
from textual.message_pump import MessagePump

from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.lessons.patterns import Pattern

if TYPE_CHECKING:
    from tui.engine.audit import MiddlewareCost
    from tui.engine.middleware import MiddlewareClass


@dataclass
class RunRequested(Message):
    """Please run these specs, one after another, and tell ``reply_to``."""

    specs: tuple[RunSpec, ...]
    reply_to: MessagePump | None = None
    """Who gets the ``RunsFinished`` answer (None: nobody is waiting)."""
    token: object = None
    """Handed back in the answer, so an asker that has moved on (a restarted
    quiz, another tour step) can tell a stale answer from the one it awaits."""


@dataclass
class RunsFinished(Message, bubble=False):
    """The answer to a ``RunRequested``: its results, or why there are none.

    Sent to the asker only (it does not bubble back up to the app).
    """

    results: tuple[RunResult, ...]
    """One per spec that ran, in order; fewer if a run failed or was refused."""
    problem: str | None = None
    """Why the runs were refused or stopped early; None when all ran."""
    token: object = None
    """The request's ``token``: which request this answers."""


@dataclass
class RunsProgress(Message, bubble=False):
    """One of the requested runs has started: ``started`` of ``total`` so far.

    Sent to the asker only, so a long measurement (a quiz question runs ten)
    can say how far it is.
    """

    started: int
    total: int
    token: object = None
    """The request's ``token``."""


class PresenterClosed(Message):
    """The tour or quiz panel is done: the app hides it and takes focus back."""


class ReplayRequested(Message):
    """Replay the newest finished run in slow motion, if it is still recorded."""


class BlankScreen(Message):
    """Blank the screen, or bring it back (a presenter's clicker asks)."""


@dataclass
class PatternShown(Message):
    """The code and explanation panels should show ``pattern`` (None: hide it)."""

    pattern: Pattern | None
    latency_ms: float | None = None
    """The simulated latency the runs being shown run at, when they set
    their own (a tour step, a head-to-head pair, a quiz question); None: the
    presenter's own, as ``+`` and ``-`` set it."""
    latency_of: str = "this step"
    """Whose latency it is, for the header: "this step", "this pair"."""


@dataclass
class AuditRequested(Message):
    """Please measure the project's middleware on ``spec``'s request."""

    spec: RunSpec
    reply_to: MessagePump
    """Who gets ``AuditProgress`` and ``AuditFinished``."""


@dataclass
class AuditProgress(Message, bubble=False):
    """The audit's runs so far: ``done`` of ``total`` (sent to the asker)."""

    done: int
    total: int
    classes: tuple["MiddlewareClass", ...] = ()
    """The project's classes, in order, as their code says Django runs them."""


@dataclass
class AuditFinished(Message, bubble=False):
    """The audit's answer: each class's cost, or why there is none."""

    costs: tuple["MiddlewareCost", ...] = ()
    problem: str | None = None
