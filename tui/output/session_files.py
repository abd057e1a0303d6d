"""Writing what the app has measured to files: exports and screenshots.

The app's ``w`` and ``ctrl+s`` keys call ``export_files`` and
``save_screenshot``, which write from a thread, so a slow disk never stalls
the loop the demo is measuring; failures come back as ``ExportError`` with a
sentence for the screen.
"""

import asyncio
from pathlib import Path

from tui.engine.bench import Bench
from tui.engine.reservation import RunRefused
from tui.engine.session import Session
from tui.output.export import (
    ExportError,
    export_session,
    export_stem,
)
from tui.output.files import free_stem, write_atomically

__all__ = ["ExportError", "export_files", "save_screenshot"]


async def export_files(bench: Bench, chosen: Path | None) -> list[Path]:
    """Snapshot the bench's session and write it; returns the paths."""
    try:
        session = await bench.snapshot_off_loop()
    except RunRefused as refusal:
        raise ExportError(str(refusal)) from None
    except OSError as error:  # the archive closed under it: the app is quitting
        raise ExportError(f"cannot read the session: {error}") from None
    return await asyncio.to_thread(write_session, session, chosen)


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


def write_session(session: Session, chosen: Path | None) -> list[Path]:
    """Write the session as JSON, CSV and a Chrome trace; returns the paths."""
    return export_session(session, export_directory(chosen), export_stem())


def write_screenshot(svg: str, chosen: Path | None) -> Path:
    """Write an SVG screenshot; returns its path."""
    directory = export_directory(chosen)
    path = directory / f"{free_stem(directory, export_stem(), ('.svg',))}.svg"
    try:
        write_atomically(path, svg)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from None
    return path
