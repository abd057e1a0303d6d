"""Run a command on a pseudo-terminal of a given size, reading all it draws.

Shared by the benchmarks that measure the live app as a user sees it: its
own terminal driver writes real frames, and this reads them as a terminal
would (and throws them away), until the command exits.
"""

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time


def run_on_pty(
    argv: list[str],
    width: int,
    height: int,
    timeout: float = 3600,
    env: dict[str, str] | None = None,
) -> int:
    """Run ``argv`` on a ``width`` x ``height`` pty; return its exit status.

    ``env``: the child's environment (by default this process's).
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: never run the parent's code here
        try:
            os.execve(argv[0], argv, os.environ if env is None else env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    status = 0
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:  # past it, the child is ended below
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    if not os.read(fd, 65536):
                        break
                except OSError:  # the child closed the terminal
                    break
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = 0
                break
    finally:
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status) if status else 0
