"""Writing what the app has measured to files: exports and screenshots.

The app's ``w`` and ``ctrl+s`` keys call ``export_files`` and
``save_screenshot``. An export is built and written in a process of its own
(``tui.output.export_process``): rendering a long session holds the GIL for
seconds, and in a thread it starved the very loop being measured. A
screenshot is written from a thread, so a slow disk never stalls the loop.
Failures come back as ``ExportError`` with a sentence for the screen.
"""

import asyncio
from pathlib import Path

from tui.engine.bench import Bench
from tui.engine.reservation import RunRefused
from tui.engine.session import Session
from tui.instrument.archive import ArchiveCut
from tui.output.export import ExportError, export_stem
from tui.output.export_process import ExportJob, export_in_process
from tui.output.files import free_stem, write_atomically

__all__ = ["ExportError", "export_files", "save_screenshot"]


async def export_files(bench: Bench, chosen: Path | None) -> list[Path]:
    """Snapshot the bench's session and write it; returns the paths."""
    try:
        session, cut = bench.capture()  # on the loop: cheap, it copies
    except RunRefused as refusal:
        raise ExportError(str(refusal)) from None
    except OSError as error:  # the archive closed under it: the app is quitting
        raise ExportError(f"cannot read the session: {error}") from None
    return await write_session(session, cut, chosen)


async def save_screenshot(svg: str, chosen: Path | None) -> list[Path]:
    """Write an SVG of the screen; returns its path, in a list like the exports."""
    return [await asyncio.to_thread(write_screenshot, svg, chosen)]


def export_directory(chosen: Path | None) -> Path:
    """The directory exports go to: ``chosen``, else the current directory.

    Raises:
        ExportError: if the current directory is needed and has been deleted.
    """
    if chosen is not None:
        return chosen
    try:
        return Path.cwd()
    except FileNotFoundError:
        raise ExportError(
            "the current directory no longer exists; start with --export-dir DIR"
        ) from None


async def write_session(
    session: Session, cut: ArchiveCut | None, chosen: Path | None
) -> list[Path]:
    """Write the session (with the archive up to ``cut``) as JSON, CSV and a
    Chrome trace, in a child process; returns the paths."""
    directory = export_directory(chosen).resolve()
    return await export_in_process(ExportJob(session, cut, directory, export_stem()))


def write_screenshot(svg: str, chosen: Path | None) -> Path:
    """Write an SVG screenshot; returns its path."""
    directory = export_directory(chosen)
    path = directory / f"{free_stem(directory, export_stem(), ('.svg',))}.svg"
    try:
        write_atomically(path, svg)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from None
    return path
