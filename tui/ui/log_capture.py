"""Log records shown in the app's event log instead of scribbling on the screen."""

import asyncio
import logging
import sys
import threading
from typing import Protocol

from textual._context import NoActiveAppError


class EventSink(Protocol):
    """Whatever shows events: the app's ``log_event``."""

    def log_event(self, message: str) -> None: ...


class EventLogHandler(logging.Handler):
    """Sends log records to the app's event log instead of the terminal.

    While Textual owns the screen, anything written to stderr would scribble
    over it; a failing subscriber or worker is shown in the log instead.
    """

    def __init__(self, app: EventSink) -> None:
        """Attach to ``app`` (which must have ``log_event``), on its loop."""
        super().__init__(level=logging.WARNING)
        self.app = app
        self.loop = asyncio.get_running_loop()
        self.loop_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.levelname.lower()}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line += f" ({type(error).__name__}: {error})"
        if threading.get_ident() == self.loop_thread:
            self._show(line)
        elif not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._show, line)

    def _show(self, line: str) -> None:
        try:
            self.app.log_event(line)
        except NoActiveAppError:
            # Shutting down: the screen is gone and the terminal restored.
            print(f"loopbeat: {line}", file=sys.stderr)
