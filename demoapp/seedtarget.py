"""Where a seeding run may write, decided before and while it builds."""

import os
import stat
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from demoapp.dbfile import (
    exclusive_lock,
    kind_of,
    lock_path,
    real_path,
    reason,
    stat_or_none,
)
from demoapp.health import is_sqlite_file


class SeedError(Exception):
    """A problem the user can fix; its message says how."""


def check_target(path: Path, force: bool) -> Path:
    """Refuse targets that would destroy something or cannot be written.

    Symbolic links are followed: the file a link points to is checked (and is
    what gets seeded, the link staying as it is); a dangling link is seeded
    where it points. Only ``os.stat`` looks at the path before it is known to
    be a regular file, so a device or a FIFO is never opened.

    Args:
        path: The database path the user gave.
        force: Whether an existing database may be replaced.

    Returns:
        The path to build, every symbolic link resolved.

    Raises:
        SeedError: the target must not or cannot be written.
    """
    try:
        info = stat_or_none(path)
        real = real_path(path)
    except OSError as error:
        raise SeedError(f"cannot reach {path}: {reason(error)}") from None
    if info is not None:
        _check_existing(path, real, info, force)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SeedError(f"cannot create {real.parent}: {error.strerror}") from None
    if not os.access(real.parent, os.W_OK):
        raise SeedError(f"cannot write to {real.parent}: permission denied")
    return real


def _check_existing(path: Path, real: Path, info: os.stat_result, force: bool) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise SeedError(f"{path} is a directory; give a file path for the database")
    if not stat.S_ISREG(info.st_mode):
        raise SeedError(
            f"{path} is {kind_of(info.st_mode)}, not a regular file;"
            " give a file path for the database"
        )
    try:
        sqlite = is_sqlite_file(real)
    except OSError as error:
        raise SeedError(f"cannot read {path}: {reason(error)}") from None
    if not sqlite:
        raise SeedError(f"{path} is not a SQLite database; refusing to replace it")
    # An empty file holds nothing to lose (connecting to a missing file makes one).
    if info.st_size and not force:
        raise SeedError(f"{path} already exists; pass --force to replace it")


@contextmanager
def lock_target(real: Path) -> Iterator[None]:
    """Hold the seeding lock on ``real`` for the block; never wait for it.

    Args:
        real: The database path, links resolved (see ``check_target``).

    Raises:
        SeedError: another seeder holds the lock, or it cannot be taken.
    """
    with ExitStack() as stack:
        try:
            stack.enter_context(exclusive_lock(real))
        except BlockingIOError:
            raise SeedError(
                f"another seeder is already building {real}; wait for it to finish"
            ) from None
        except OSError as error:
            message = f"cannot lock {lock_path(real)}: {reason(error)}"
            raise SeedError(message) from None
        yield
