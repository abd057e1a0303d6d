"""File-system facts about a database path, learnt without opening the file.

Opening a FIFO blocks until a writer comes, opening some devices has side
effects, and a stat below a directory without search permission raises. So the
kind of a path is always decided by ``os.stat`` first, and every failure comes
back as an ``OSError`` (or a phrase) the caller turns into one line for the user.
"""

import errno
import fcntl
import glob
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """Name the kind of file an ``st_mode`` describes, e.g. ``"a socket"``."""
    for test, name in KINDS:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def stat_or_none(path: Path) -> os.stat_result | None:
    """``os.stat(path)`` following links, or None when nothing is there.

    A missing file, a missing or non-directory component on the way and a
    dangling symbolic link all count as nothing there.

    Raises:
        OSError: the path could not be reached (permission denied, a symlink
            loop, an I/O error...).
    """
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def reason(error: OSError) -> str:
    """The error as a lower-case phrase, e.g. ``"permission denied"``."""
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


def real_path(path: Path) -> Path:
    """``path`` with every symbolic link resolved, dangling ones included.

    Raises:
        OSError: a symbolic link loop, or a component that cannot be read.
    """
    try:
        return Path(path).absolute().resolve()
    except RuntimeError:  # Python 3.11 reports a symlink loop this way
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)) from None


def lock_path(target: Path) -> Path:
    """The lock file beside ``target``: ``.NAME.lock``."""
    return target.with_name(f".{target.name}.lock")


@contextmanager
def exclusive_lock(target: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``.NAME.lock`` beside ``target``.

    The lock file is removed on release. Whoever opened it just before that
    holds a lock on a file no longer in the directory, so after locking it is
    checked to still be the file at the path; if not, lock again.

    Raises:
        BlockingIOError: someone else holds the lock (this never waits).
        OSError: the lock file cannot be created.
    """
    path = lock_path(target)
    while True:
        # O_NOFOLLOW: a planted symlink must not make us create files elsewhere.
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        descriptor = os.open(path, flags, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held, current = os.fstat(descriptor), stat_or_none(path)
        except BaseException:
            os.close(descriptor)
            raise
        if current and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(descriptor)
    try:
        yield
    finally:
        try:
            path.unlink(missing_ok=True)
        finally:
            os.close(descriptor)


def temporary_path(target: Path) -> Path:
    """Where this process builds ``target`` before renaming it into place."""
    return target.with_name(f".{target.name}.tmp-{os.getpid()}")


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Delete temporary files (and their journals) left by dead seeders.

    The pid is in the name; a process that no longer exists cannot come back
    to finish, so its file (tens of megabytes) is only taking up space.

    Returns:
        The files removed.
    """
    pattern = re.compile(
        rf"\.{re.escape(target.name)}\.tmp-(\d+)(?:-journal|-wal|-shm)?"
    )
    removed = []
    for candidate in target.parent.glob(f".{glob.escape(target.name)}.tmp-*"):
        match = pattern.fullmatch(candidate.name)
        if not match or int(match[1]) == os.getpid() or _alive(int(match[1])):
            continue
        try:
            candidate.unlink()
        except OSError:  # gone already, or not ours to delete: cleanup is a bonus
            continue
        removed.append(candidate)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        # Another user's process is alive; an absurd pid is not ours to judge.
        return True
    return True


def commit(temporary: Path, target: Path, *, replace: bool) -> None:
    """Move ``temporary`` to ``target``; only over an existing file if ``replace``.

    Without ``replace`` the move is a hard link then an unlink, which fails
    rather than replace a database another seeder put there meanwhile.

    Raises:
        FileExistsError: ``target`` appeared and ``replace`` is false.
        OSError: the move failed.
    """
    if replace:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError as error:
        # Some file systems have no hard links; the lock still keeps seeders
        # that take it apart, so fall back to checking, then renaming.
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "File exists", str(target)) from None
        os.replace(temporary, target)
        return
    temporary.unlink()
