"""Naming the thread that starved the loop, from per-thread CPU clocks.

The stall watchdog reads every Python thread's CPU clock (``pthread`` clocks,
a few microseconds a thread) as it looks at the loop, and again when a stall
ends; the thread that used the most CPU in between held the GIL the loop was
waiting for. Standard library only.
"""

import threading
import time
from collections.abc import Iterable, Mapping

ThreadClocks = dict[int, tuple[str, float]]
"""Each thread's name and CPU clock (seconds), by ident."""


def thread_clocks(excluding: Iterable[int | None]) -> ThreadClocks:
    """The CPU clock of every live Python thread but ``excluding``."""
    skip = set(excluding)
    clocks = {}
    for thread in threading.enumerate():
        ident = thread.ident
        if ident is None or ident in skip:
            continue
        try:
            cpu = time.clock_gettime(time.pthread_getcpuclockid(ident))
        except (AttributeError, OSError):  # ended meanwhile, or no clocks
            continue
        clocks[ident] = (thread.name, cpu)
    return clocks


def busiest_thread(
    spans: Iterable[tuple[ThreadClocks, ThreadClocks]],
    wheres: Mapping[int, str | None],
    min_cpu: float,
) -> str | None:
    """``ThreadPoolExecutor-3_0 at django/db/models/base.py:584 in from_db``.

    For the first (before, after) span in which a thread used at least
    ``min_cpu`` seconds, the one that used the most, with where it was (from
    ``wheres``) when known. A thread new since ``before`` counts all its CPU;
    one that has ended since cannot be named (its clock went with it).
    """
    for before, after in spans:
        used = {
            ident: cpu - (before[ident][1] if ident in before else 0.0)
            for ident, (_, cpu) in after.items()
        }
        if used and max(used.values()) >= min_cpu:
            ident = max(used, key=lambda i: used[i])
            where = wheres.get(ident)
            name = after[ident][0]
            return f"{name} at {where}" if where else name
    return None


def native_id(ident: int) -> int | None:
    """The native id of the live Python thread ``ident``, if it still runs."""
    thread = next((t for t in threading.enumerate() if t.ident == ident), None)
    return thread.native_id if thread is not None else None
