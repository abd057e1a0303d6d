"""Ending the process promptly, whatever is stuck.

Quitting must take under 2 seconds whatever is in flight and whatever became
of the terminal. Two things can hold a process back after the app is done:
a request abandoned at quit goes on in its worker thread until its query is
done (a thread cannot be cancelled, and the interpreter waits for it), and a
closed terminal or a full pipe can block Textual's writer thread for ever.
"""

import os
import sys
import threading


def end_by(seconds: float, code: int) -> None:
    """End the process with ``code`` in ``seconds`` unless it has ended by then."""
    timer = threading.Timer(seconds, force_exit, (code,))
    timer.daemon = True
    timer.start()


def leave_now(code: int) -> None:
    """End the process at once if non-daemon threads would keep it alive.

    Called when the app has finished and restored the terminal: nothing is
    left to write, so nothing is lost by not waiting for abandoned queries.
    """
    main = threading.main_thread()
    if any(t is not main and not t.daemon for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def force_exit(code: int) -> None:
    """End the process now: shutdown is stuck (a closed terminal, a full pipe).

    Leaves the alternate screen and shows the cursor if the terminal is still
    there, without ever waiting on it, then exits without running anything
    else: whatever is stuck would only keep the process alive.
    """
    reset = b"\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?1049l\x1b[?25h"
    try:
        fd = sys.__stdout__.fileno() if sys.__stdout__ else 1
        os.set_blocking(fd, False)
        os.write(fd, reset)
    except (OSError, ValueError):
        pass  # the terminal is gone: nothing to restore
    os._exit(code)
