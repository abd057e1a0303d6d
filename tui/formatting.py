"""How measurements are written for people: shared by the UI and the report."""

from collections.abc import Sequence


def format_seconds(seconds: float | None) -> str:
    """Human units: ``850 µs``, ``12.3 ms``, ``240 ms``, ``1.84 s``; ``-`` for None."""
    if seconds is None:
        return "-"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 0.1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.2f} s"


def describe_threads(threads: Sequence[str]) -> str:
    """Where the queries ran, in a few words: the loop thread, or how many others."""
    if not threads:
        return "no query"
    others = [name for name in threads if name != "MainThread"]
    if not others:
        return "loop thread"
    prefix = "loop + " if len(others) < len(threads) else ""
    noun = "worker" if len(others) == 1 else "workers"
    return f"{prefix}{len(others)} {noun}"
