"""What a session keeps for its exports beyond the instruments' windows.

Every tick, ping and stall, on disk (``tui.instrument.archive``), and the events said
to the presenter (``tui.engine.event_notes``). No Textual, no Django.
"""

import errno
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tui.engine.client import RunResult
from tui.engine.event_notes import EventNotes
from tui.engine.probe import PingProbe
from tui.engine.session import Session
from tui.instrument.archive import ArchiveCut, SessionArchive
from tui.instrument.heartbeat import LoopMonitor
from tui.instrument.loopstats import Sample, Stall


def archive_lost(error: OSError, folder: Path | None, window: float) -> str:
    """The sentence for an archive that stopped because writing failed."""
    where = f"the temporary folder {folder}" if folder else "the temporary folder"
    what = (
        f"{where} is full"
        if error.errno in (errno.ENOSPC, errno.EDQUOT)
        else f"writing to {where} failed"
    )
    return (
        f"{what} ({error.strerror or error}) at {time.strftime('%H:%M:%S')}: "
        f"the session is no longer recorded on disk; exports hold the last "
        f"{window:g} s, kept in memory"
    )


class SessionRecord:
    """The archive and the events of one session, for its exports.

    Args:
        window: Seconds the instruments keep in memory: what an export still
            holds if the archive is lost.
        on_trouble: Called once, with a sentence, if the archive is lost.
    """

    def __init__(
        self, window: float, on_trouble: Callable[[str], None] | None = None
    ) -> None:
        self.window = window
        self._on_trouble = on_trouble
        self.events = EventNotes()
        """The events said to the presenter (the app adds them)."""
        self.archive: SessionArchive | None = None
        self.lost: str | None = None
        """Why the archive stopped, if it did: exports hold memory's window."""

    def open(self) -> None:
        """Start the archive.

        Raises:
            ArchiveUnavailable: no temporary file can be made.
        """
        self.archive = SessionArchive(on_failure=self._failed)

    def keep(self, item: Sample | Stall) -> None:
        """Archive a heartbeat tick or an ended stall (a monitor subscriber)."""
        if self.archive is not None:
            if isinstance(item, Sample):
                self.archive.add_tick(item)
            else:
                self.archive.add_stall(item)

    def keep_ping(self, due: float, latency: float) -> None:
        """Archive a ping."""
        if self.archive is not None:
            self.archive.add_ping(due, latency)

    def _failed(self, error: OSError) -> None:
        folder = self.archive.directory if self.archive is not None else None
        self.lost = archive_lost(error, folder, self.window)
        if self._on_trouble is not None:
            self._on_trouble(self.lost)

    def capture(
        self,
        results: Iterable[RunResult],
        monitor: LoopMonitor,
        probe: PingProbe | None,
        meta: dict[str, Any],
    ) -> tuple[Session, ArchiveCut | None]:
        """What memory holds now, and the cut of the archive to add to it."""
        cut = self.archive.cut() if self.archive is not None else None
        if self.lost is not None:  # the cut may just have found out
            meta = {**meta, "archive_lost": self.lost}
        meta = {
            **meta,
            "events_limit": self.events.limit,
            "events_dropped": self.events.dropped,
        }
        notes = self.events.notes()
        return Session.capture(results, monitor, probe, meta, notes), cut

    def close(self) -> None:
        """Remove the archive's files."""
        if self.archive is not None:
            self.archive.close()
            self.archive = None
