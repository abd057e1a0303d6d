"""Saving the session from the live app: exports (``w``) and screenshots.

An export is built and written in a child process, a screenshot in a worker
thread (``tui.output.session_files``); the app hears when they are written,
or why not, as a notice and an event.
"""

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.app import App

from tui.engine.bench import Bench
from tui.ui.desk import show_error


class SessionSaver:
    """Writes ``bench``'s session for ``app`` into ``export_dir`` (None: cwd).

    ``log_event`` is told what was written, for the events log.
    """

    def __init__(
        self,
        app: App,
        bench: Bench,
        export_dir: Path | None,
        log_event: Callable[[str], None],
    ) -> None:
        self.app = app
        self.bench = bench
        self.export_dir = export_dir
        self.log_event = log_event

    def export(self) -> None:
        """Write the session as JSON, CSV and a Chrome trace (in a child process)."""
        from tui.output.session_files import export_files

        writing = export_files(self.bench, self.export_dir)
        self.app.run_worker(self._write(writing, "export"), exit_on_error=False)

    def screenshot(self) -> None:
        """Save the screen as an SVG file in the export directory."""
        from tui.output.session_files import save_screenshot

        writing = save_screenshot(self.app.export_screenshot(), self.export_dir)
        self.app.run_worker(self._write(writing, "screenshot"), exit_on_error=False)

    async def _write(self, writing: Awaitable[list[Path]], what: str) -> None:
        from tui.output.session_files import ExportError

        try:
            paths = await writing
        except ExportError as error:
            show_error(self.app, str(error), what)
            return
        names = ", ".join(path.name for path in paths)
        # Said with the paths: the files hold less than the whole session.
        partial = (
            f" (the last {self.bench.window:g} s only: the session's record on "
            "disk was lost)"
            if what == "export" and self.bench.record.lost
            else ""
        )
        said = f"wrote {names} to {paths[0].parent}{partial}"
        self.log_event(f"{what}: {said}")
        self.app.notify(said, title=what, timeout=4, markup=False)
