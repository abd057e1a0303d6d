"""Messages panels post up to the app; the app alone decides what happens.

A panel never calls into the app: it asks (``RunRequested``, ``PresenterClosed``)
and the app answers the asker (``RunsFinished``), so who may run what, and
when, is decided in one place.
"""

from dataclasses import dataclass

from textual.message import Message
from textual.message_pump import MessagePump

from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.lessons.patterns import Pattern


@dataclass
class RunRequested(Message):
    """Please run these specs, one after another, and tell ``reply_to``."""

    specs: tuple[RunSpec, ...]
    reply_to: MessagePump | None = None
    """Who gets the ``RunsFinished`` answer (None: nobody is waiting)."""


@dataclass
class RunsFinished(Message, bubble=False):
    """The answer to a ``RunRequested``: its results, or why there are none.

    Sent to the asker only (it does not bubble back up to the app).
    """

    results: tuple[RunResult, ...]
    """One per spec that ran, in order; fewer if a run failed or was refused."""
    problem: str | None = None
    """Why the runs were refused or stopped early; None when all ran."""


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
