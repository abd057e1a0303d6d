"""Every tick, ping and stall of a session, kept on disk so memory stays flat.

The monitor and the probe keep only their last window in memory (60 s in
the app), so that an all-day booth demo does not grow. An export, though,
should hold the whole session. The archive appends every heartbeat tick and
ping to a temporary file as fixed 16-byte records, and every stall as a line
of JSON, keeping at most ``BUFFER`` records of each in memory between writes:
about 3 kB of disk a second at the 5 ms tick (11 MB an hour), and a few
hundred kilobytes of memory whatever the session's length. The files are
removed when the archive closes. Standard library only.

A disk that fills mid-session ends the archive, once: it stops writing,
empties its files and says so through ``on_failure``; the session's exports
then hold what memory holds. Retrying would only grow the pending records
and the work of every tick.
"""

import json
import os
import struct
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from tui.instrument.loopstats import CauseSplit, Sample, Stall

BUFFER = 2048
"""Records of each kind held in memory before they are written out."""
_RECORD = struct.Struct("<dd")
KINDS = ("ticks", "pings", "stalls")


class ArchiveUnavailable(Exception):
    """No temporary file can be made; the message is a sentence for the user."""


class SessionArchive:
    """Appends a session's ticks, pings and stalls to temporary files.

    Args:
        directory: Where the temporary files go (the system's default if None).
        on_failure: Called once, with the error, if writing fails (a full
            disk); the archive has stopped by then.

    Raises:
        ArchiveUnavailable: the temporary files cannot be made.
    """

    def __init__(
        self,
        directory: Path | None = None,
        on_failure: Callable[[OSError], None] | None = None,
    ) -> None:
        self._files: dict[str, IO[bytes]] = {}
        try:
            # gettempdir raises FileNotFoundError when no candidate is usable.
            self.directory = Path(directory or tempfile.gettempdir())
            for kind in KINDS:
                self._files[kind] = tempfile.TemporaryFile(  # noqa: SIM115 (close())
                    dir=self.directory, prefix=f"loopbeat-{kind}-"
                )
        except OSError as error:
            self.close()
            folder = getattr(self, "directory", None)  # unset if none was usable
            where = f"{folder}: " if folder else ""
            raise ArchiveUnavailable(
                f"no usable temporary folder for the session's record "
                f"({where}{error.strerror or error}); set TMPDIR to a writable folder"
            ) from None
        self._on_failure = on_failure
        self.failure: OSError | None = None
        """What ended the archive, if writing failed."""
        self._pending: dict[str, list[bytes]] = {kind: [] for kind in self._files}
        self.counts = dict.fromkeys(self._files, 0)
        """Records of each kind archived so far."""

    def add_tick(self, sample: Sample) -> None:
        """Keep a heartbeat tick."""
        self._add("ticks", _RECORD.pack(sample.t, sample.lag))

    def add_ping(self, due: float, latency: float) -> None:
        """Keep a ping."""
        self._add("pings", _RECORD.pack(due, latency))

    def add_stall(self, stall: Stall) -> None:
        """Keep a stall that has ended."""
        self._add("stalls", json.dumps(asdict(stall)).encode() + b"\n")

    def _add(self, kind: str, record: bytes) -> None:
        if self.failure is not None:
            return
        pending = self._pending[kind]
        pending.append(record)
        self.counts[kind] += 1
        if len(pending) >= BUFFER:
            self._flush(kind)

    def _flush(self, kind: str) -> None:
        pending = self._pending[kind]
        if pending:
            try:
                # Files are only appended to, and read with pread: the
                # position always stays at the end.
                self._files[kind].write(b"".join(pending))
            except OSError as error:
                self._give_up(error)
            pending.clear()

    def _give_up(self, error: OSError) -> None:
        """Stop archiving for good, free the disk, and say so once."""
        if self.failure is not None:
            return
        self.failure = error
        for pending in self._pending.values():
            pending.clear()
        for file in self._files.values():
            # Emptied, not closed: a cut being read in a thread keeps valid
            # descriptors (a closed one could be reused by another file), and
            # sees the files shrink instead (``ArchiveCut`` raises OSError).
            with suppress(OSError):
                os.ftruncate(file.fileno(), 0)
        if self._on_failure is not None:
            self._on_failure(error)

    def cut(self) -> "ArchiveCut | None":
        """Everything archived so far, to be read from any thread.

        Cheap, for the loop: it writes out what is pending and notes where
        each file ends. Reading the cut (the slow part, for a long session)
        can then happen in a worker thread while the archive keeps growing.
        None once writing has failed: the archive holds nothing any more.
        """
        sizes = {}
        for kind, file in self._files.items():
            self._flush(kind)
            try:
                file.flush()
            except OSError as error:
                self._give_up(error)
            if self.failure is not None:
                return None
            sizes[kind] = file.tell()
        return ArchiveCut({k: f.fileno() for k, f in self._files.items()}, sizes)

    def ticks(self) -> list[Sample]:
        """Every tick so far, oldest first (none once writing has failed)."""
        cut = self.cut()
        return [] if cut is None else cut.ticks()

    def pings(self) -> list[tuple[float, float]]:
        """Every ping so far as (when due, latency), oldest first."""
        cut = self.cut()
        return [] if cut is None else cut.pings()

    def stalls(self) -> list[Stall]:
        """Every stall so far, oldest first."""
        cut = self.cut()
        return [] if cut is None else cut.stalls()

    def close(self) -> None:
        """Remove the files; the archive and its cuts cannot be read after this."""
        for file in self._files.values():
            with suppress(OSError):  # what a full disk left in the write buffer
                file.close()


@dataclass(frozen=True)
class ArchiveCut:
    """The archive up to one moment; reads with ``os.pread``, so any thread can.

    Raises ``OSError`` on reading once the archive has been closed or has
    given up (its files emptied).
    """

    _fds: dict[str, int]
    sizes: dict[str, int]
    """Bytes of each kind up to the cut."""

    @property
    def descriptors(self) -> tuple[int, ...]:
        """The open files it reads, for a child process to inherit and read."""
        return tuple(self._fds.values())

    def _read(self, kind: str) -> bytes:
        size = self.sizes[kind]
        data = os.pread(self._fds[kind], size, 0)
        while len(data) < size:  # a short read: ask for the rest
            more = os.pread(self._fds[kind], size - len(data), len(data))
            if not more:
                raise OSError(f"the session's {kind} record was given up")
            data += more
        return data

    def ticks(self) -> list[Sample]:
        """Every tick up to the cut, oldest first."""
        return [Sample(t, lag) for t, lag in _RECORD.iter_unpack(self._read("ticks"))]

    def pings(self) -> list[tuple[float, float]]:
        """Every ping up to the cut as (when due, latency), oldest first."""
        return list(_RECORD.iter_unpack(self._read("pings")))

    def stalls(self) -> list[Stall]:
        """Every stall up to the cut, oldest first."""
        stalls = []
        for line in self._read("stalls").splitlines():
            data = json.loads(line)
            split = data.pop("split")
            data["stack"] = tuple(data["stack"])
            stalls.append(Stall(**data, split=CauseSplit(**split) if split else None))
        return stalls
