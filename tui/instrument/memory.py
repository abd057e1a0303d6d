"""Keep memory flat and collections short through a long talk.

Django's ASGI handler runs each request's synchronous work on a thread of its
own (``ThreadSensitiveContext``), and the ping probe alone sends two requests
a second between runs and twenty during them, so an hour's session starts
thousands of threads. glibc hands threads malloc arenas of their own, up to
eight per core, and each arena keeps the high-water mark of what it once
held. The process's RSS then creeps up for minutes after every Python buffer
is full, though Python's own allocations stay flat (``benchmarks/soak.py``
shows both). Two arenas, what ``MALLOC_ARENA_MAX=2`` gives many Python
services, stop the creep.
"""

import gc
import os
import sys

M_ARENA_MAX = -8
"""glibc's mallopt parameter number for the arena limit (malloc.h)."""


def limit_malloc_arenas(count: int = 2) -> bool:
    """Cap the number of malloc arenas at ``count``; True if the cap was set.

    A no-op (False) off Linux, on a C library without ``mallopt``, or when the
    user chose their own limit with ``MALLOC_ARENA_MAX``. Call it early: arenas
    made before the call are kept.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    import ctypes  # here, not at the top: it is not needed before the first frame

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library already loaded
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return mallopt(M_ARENA_MAX, count) == 1


def freeze_survivors() -> None:
    """Collect garbage, then move every object still alive out of the collector.

    Call it once start-up is done: what lives then (modules, Django, Textual,
    the widgets) lives as long as the process. A full collection would scan
    all of it on the event loop (16 ms with the app up, measured), a pause the
    heartbeat would show as lag no pattern caused; frozen, it is skipped.
    """
    gc.collect()
    gc.freeze()


def thaw_survivors() -> None:
    """Give the frozen objects back to the collector (when the app closes).

    A process that lives on, such as a test session, can then free them.
    """
    gc.unfreeze()
