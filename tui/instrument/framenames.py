"""Naming code locations briefly, and telling project code from libraries.

``demoapp/views.py:42 in books_sync`` rather than a full path; a frame in
the project (the target's code: ``demoapp``, or the user's) is told from one
in Django, asyncio or loopbeat itself, so a stall is pinned to the project's
line, never to loopbeat's hooks or instruments.
Standard library only.
"""

import functools
import os
import site
import sysconfig
from collections.abc import Iterable
from types import FrameType

LOOPBEAT_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""loopbeat's own code: never the project's, whatever directory holds both
(the demo's repository, or a user's project with loopbeat vendored in)."""
_NOT_PROJECT = {".venv", "site-packages", "dist-packages"}


@functools.cache
def _library_paths() -> frozenset[str]:
    """Where the standard library and installed packages live (read once:
    sysconfig and site take about half a millisecond, and a test suite makes
    a namer per test)."""
    libraries = {sysconfig.get_path(n) for n in ("purelib", "platlib", "stdlib")}
    libraries.update(site.getsitepackages())
    return frozenset(os.path.abspath(path) for path in libraries if path)


class FrameNames:
    """Names code locations briefly and tells project code from libraries.

    Args:
        project_roots: Directories holding project code.
        excluded_files: Files under those roots never counted as project code
            (the monitor's own files always are excluded).
    """

    def __init__(
        self, project_roots: Iterable[str], excluded_files: Iterable[str] = ()
    ) -> None:
        self._roots = [os.path.abspath(root) for root in project_roots]
        self._excluded = {os.path.abspath(f) for f in excluded_files}
        # Longest first, so a venv inside the project shortens to site-packages.
        self._prefixes = sorted(
            {*self._roots, *_library_paths()}, key=len, reverse=True
        )
        self._known: dict[str, tuple[str, bool]] = {}

    def describe(self, filename: str) -> tuple[str, bool]:
        """Return the short path of a code file and whether it is project code."""
        known = self._known.get(filename)
        if known is None:
            known = self._known[filename] = self._describe(filename)
        return known

    def _describe(self, filename: str) -> tuple[str, bool]:
        if filename.startswith("<"):  # "<frozen runpy>", "<string>": no file
            return filename, False
        path = os.path.abspath(filename)
        short = next(
            (
                os.path.relpath(path, prefix)
                for prefix in self._prefixes
                if path.startswith(prefix + os.sep)
            ),
            filename,
        )
        project = (
            path not in self._excluded
            and not path.startswith(LOOPBEAT_PACKAGE + os.sep)
            and any(
                path.startswith(root + os.sep)
                and _NOT_PROJECT.isdisjoint(os.path.relpath(path, root).split(os.sep))
                for root in self._roots
            )
        )
        return short, project

    def stack(self, frame: FrameType | None) -> list[tuple[str, bool]]:
        """A thread's frames, innermost first, each named and marked project or not.

        ``demoapp/views.py:42 in books_sync``: strings only, so nothing that
        reads them keeps a frame (and its locals) alive.
        """
        frames: list[tuple[str, bool]] = []
        while frame is not None:
            path, project = self.describe(frame.f_code.co_filename)
            frames.append(
                (f"{path}:{frame.f_lineno} in {frame.f_code.co_name}", project)
            )
            frame = frame.f_back
        return frames

    def where(self, frame: FrameType | None) -> str | None:
        """Where a thread is: its innermost project frame, else its innermost."""
        stack = self.stack(frame)
        found = next((text for text, mine in stack if mine), None)
        return found or (stack[0][0] if stack else None)
