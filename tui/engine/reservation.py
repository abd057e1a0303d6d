"""Room for runs, taken when they are asked for, and what a batch of runs did.

``Bench.reserve`` hands out a ``Reservation`` (or raises ``RunRefused``) at
once, as the key is accepted; ``Bench.run_reserved`` runs its specs and
answers with a ``Batch``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tui.engine.results import RunResult
from tui.engine.runs import RunSpec


class RunRefused(Exception):
    """A run was not accepted now; the message says why, for the screen."""


@dataclass
class Reservation:
    """Room for one or more runs, taken when they were asked for.

    Taken before any request is sent, so runs asked for together cannot all
    pass the limit; given back with ``release`` (at most once).
    """

    specs: tuple[RunSpec, ...]
    """What to run, in order, each with the latency that will apply."""
    requests: int
    _give_back: Callable[["Reservation"], None]
    released: bool = False

    def release(self) -> None:
        """Give the room back; later calls do nothing."""
        if not self.released:
            self.released = True
            self._give_back(self)


@dataclass
class Batch:
    """What ``Bench.run_reserved`` did: the results, or where and why it stopped."""

    results: list[RunResult] = field(default_factory=list)
    problem: str | None = None
    """The failure that ended the batch early (``Type: message``), if any."""
    failed_number: int | None = None
    """The number of the run that failed, if it had started."""
