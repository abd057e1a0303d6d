"""Writing files so that nobody ever sees half of one, or half of a set.

A file is written to a temporary name beside it and renamed into place; a
set of files (an export's JSON, CSV and trace) is written whole, or not at
all. Standard library only.
"""

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["free_stem", "write_all_or_nothing", "write_atomically"]


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over.

    Readers see the old file or the whole new one, never half of it: on any
    failure, KeyboardInterrupt included, the temporary file is removed. A
    replaced file keeps its permission bits; a new one gets 0666 less the umask.

    Args:
        path: The file to write.
        text: Its new content, written as UTF-8 exactly as given.
    """
    path = Path(path).absolute()
    temporary = _write_temporary(path, text)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_temporary(path: Path, text: str) -> str:
    """Write ``text`` to a new temporary file beside ``path``; return its name."""
    try:
        mode = os.stat(path).st_mode & 0o7777  # stat.S_IMODE
    except OSError:
        mode = None  # nothing to keep (any real problem shows at the rename)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        if mode is None:
            # mkstemp makes the file private (0600); an export is meant to be shared.
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        # A file someone made private (or shared) stays so when rewritten.
        os.chmod(handle, mode)
        # newline="": the text goes out as given (the csv module's \r\n included).
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def write_all_or_nothing(texts: Mapping[Path, str]) -> None:
    """Write every file, or, if any write fails, none of them.

    All are written to temporary files first (where a full disk shows), and
    only then renamed into place. The paths are meant to be new (see
    ``free_stem``): should a rename still fail, the files already renamed
    are removed again.

    Raises:
        OSError: from the write that failed, its ``filename`` set.
    """
    temporaries: dict[Path, str] = {}
    placed: list[Path] = []
    try:
        for path, text in texts.items():
            try:
                temporaries[path] = _write_temporary(Path(path).absolute(), text)
            except OSError as error:
                error.filename = error.filename or str(path)
                raise
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
            placed.append(path)
    except BaseException:
        for temporary in temporaries.values():
            Path(temporary).unlink(missing_ok=True)
        for path in placed:
            Path(path).unlink(missing_ok=True)
        raise


def free_stem(directory: Path, stem: str, suffixes: Sequence[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``...: the first no file of the set has."""
    candidate, number = stem, 1
    while any((directory / f"{candidate}{suffix}").exists() for suffix in suffixes):
        number += 1
        candidate = f"{stem}-{number}"
    return candidate
