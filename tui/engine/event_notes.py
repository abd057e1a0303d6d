"""The events said to the presenter, kept for the session's exports.

The noise check's sentence, each run's verdict, every stall line, notices:
timestamped and bounded, so an export holds what the events panel showed.
The app adds each event here as it shows it, and the exports read it from
here, never from the widget. Standard library only.
"""

import time
from collections import deque
from dataclasses import dataclass

MAX_EVENTS = 2_000
"""Events kept; older ones make way (a talk says a few hundred)."""


@dataclass(frozen=True)
class EventNote:
    """One event as the events panel showed it.

    Attributes:
        t: When, on ``time.perf_counter()``, the clock of every other record.
        wall: When, in seconds since the epoch, for people.
        text: What was said, as plain text.
    """

    t: float
    wall: float
    text: str

    def as_dict(self) -> dict[str, float | str]:
        """The note as JSON-ready data."""
        return {"t": self.t, "wall": self.wall, "text": self.text}


class EventNotes:
    """The newest ``limit`` events of a session, oldest first."""

    def __init__(self, limit: int = MAX_EVENTS) -> None:
        self._notes: deque[EventNote] = deque(maxlen=limit)
        self.dropped = 0
        """Events that made way for newer ones."""

    @property
    def limit(self) -> int:
        """How many events are kept at most."""
        return self._notes.maxlen or 0

    def add(self, text: str) -> None:
        """Keep ``text`` as said now."""
        if len(self._notes) == self._notes.maxlen:
            self.dropped += 1
        self._notes.append(EventNote(time.perf_counter(), time.time(), text))

    def notes(self) -> tuple[EventNote, ...]:
        """Every kept event, oldest first (a copy: the loop may add more)."""
        return tuple(self._notes)
