"""Signals that stop a seeding run cleanly instead of killing it mid-file."""

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None
"""What ``signal.signal`` returns and takes back."""


class SeedInterrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP stopped a build; the temporary file has been removed.

    A KeyboardInterrupt, so callers that already handle Ctrl+C handle it too.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        """The signal's name, e.g. ``"SIGTERM"``."""
        return signal.Signals(self.signum).name


class SignalGuard:
    """While a build runs, turn SIGTERM and SIGHUP into ``SeedInterrupted``.

    Their default action ends the process on the spot, leaving the temporary
    file (tens of megabytes) behind; an exception lets the build clean up.
    Handlers can only be installed on the main thread: elsewhere the guard
    does nothing. After ``defer()`` the file is complete and being moved into
    place, so a signal waits for the guard to exit, then goes to the handler
    that was there before.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self._previous: dict[int, Handler] = {}
        self._deferring = False
        self._pending: int | None = None

    def __enter__(self) -> "SignalGuard":
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def defer(self) -> None:
        """Hold signals back until the guard exits."""
        self._deferring = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if not self._deferring:
            raise SeedInterrupted(signum)
        self._pending = self._pending or signum

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            # None: the handler was not set from Python; the default is nearest.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        if self._pending is not None:
            signal.raise_signal(self._pending)


@contextmanager
def interrupt_after() -> Iterator[None]:
    """Hold Ctrl+C back until the block ends, then raise ``KeyboardInterrupt``.

    For imports and Django's set-up: a ``KeyboardInterrupt`` raised inside
    them can surface as another exception (Python wraps one raised in
    ``__set_name__`` in a ``RuntimeError``), which would end in a traceback.
    The block takes a tenth of a second, so Ctrl+C is not noticeably late.
    Off the main thread, where handlers cannot be set, it does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(1))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt
