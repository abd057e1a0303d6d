"""Room for runs, taken when they are asked for, and what a batch of runs did.

``Bench.reserve`` asks its ``Limits`` for a ``Reservation`` (or a
``RunRefused``) at once, as the key is accepted; ``Bench.run_reserved`` runs
its specs and answers with a ``Batch``.
"""

from collections.abc import Callable, Sequence
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


class Limits:
    """How many runs and requests may be in flight at once, and how many are.

    Args:
        max_runs: Runs at once.
        max_requests: Requests at once, bursts counted per request.
    """

    def __init__(self, max_runs: int, max_requests: int) -> None:
        self.max_runs = max_runs
        self.max_requests = max_requests
        self.runs = 0
        """Runs accepted and not yet finished."""
        self.requests = 0
        """Requests those runs may have in flight at once."""

    def take(self, specs: Sequence[RunSpec], latency_ms: float) -> Reservation:
        """Room for ``specs`` (run one after another) now, or ``RunRefused``.

        Each spec gets ``latency_ms`` unless it has a latency of its own.
        """
        if not specs:
            raise RunRefused("nothing to run")
        if self.runs >= self.max_runs:
            raise RunRefused(
                f"{self.runs} runs already in flight; wait for one to finish"
            )
        requests = max(spec.burst for spec in specs)
        if self.requests + requests > self.max_requests:
            raise RunRefused(
                f"{self.requests} requests already in flight; "
                f"at most {self.max_requests} at once"
            )
        self.runs += 1
        self.requests += requests
        resolved = tuple(spec.at_latency(latency_ms) for spec in specs)
        return Reservation(resolved, requests, self._give_back)

    def _give_back(self, reservation: Reservation) -> None:
        self.runs -= 1
        self.requests -= reservation.requests


@dataclass
class Batch:
    """What ``Bench.run_reserved`` did: the results, or where and why it stopped."""

    results: list[RunResult] = field(default_factory=list)
    problem: str | None = None
    """The failure that ended the batch early (``Type: message``), if any."""
    failed_number: int | None = None
    """The number of the run that failed, if it had started."""
