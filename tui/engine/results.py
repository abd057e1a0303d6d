"""What a run measured: the typed record every screen and export reads.

A ``RunResult`` holds what loopbeat recorded of the run's requests (rows,
statements, threads, hops, errors; ``tui.engine.record``) and what the loop
felt while they were in flight (lag, stalls, causes, the latency of a
concurrent ping), and judges it (``tui.engine.verdicts``). Frozen: made once on the
loop, then only read.
"""

from dataclasses import asdict, dataclass, field
from typing import Any

from tui.engine.record import RequestRecord
from tui.engine.runs import RunSpec
from tui.engine.verdicts import Verdict, judge
from tui.instrument.causes import RunCauses
from tui.instrument.loopstats import BLOCKED, WORKING
from tui.instrument.printable import printable


@dataclass(frozen=True)
class StallSummary:
    """Where the loop was stuck, for how long, why, and in one line."""

    location: str
    duration: float
    cause: str | None = None
    owner: str | None = None
    text: str = ""


@dataclass(frozen=True)
class RequestSpan:
    """One request of a run: when it went out, how long it took, where it ran."""

    started: float
    """When it was sent (``perf_counter`` seconds)."""
    wall: float
    status: int
    record: RequestRecord = field(default_factory=RequestRecord)
    """What loopbeat recorded of it: statements, threads, hops, an error."""

    @property
    def query_threads(self) -> tuple[str, ...]:
        """The threads that ran its statements, in order of first use."""
        return self.record.query_threads

    @property
    def view_thread(self) -> str | None:
        """The thread the view ran on (the loop's for an async view)."""
        return self.record.view_thread

    @property
    def thread(self) -> str | None:
        """The thread that ran its queries (the first), else its view's."""
        return self.query_threads[0] if self.query_threads else self.view_thread


@dataclass(frozen=True)
class RunResult:
    """One run of a ``RunSpec`` (one request, or a burst of concurrent ones)."""

    number: int
    """The run's number in its session, as the table shows it."""
    spec: RunSpec
    """What ran, with the latency that applied filled in."""
    status: int
    rows: int | None
    """Rows fetched, where the target's answers or its backend say; else None."""
    queries: int
    hops: int
    """Thread hops the view's own code made (``sync_to_async`` calls)."""
    query_threads: tuple[str, ...]
    view_threads: tuple[str, ...]
    started: float
    wall: float
    request_walls: tuple[float, ...]
    loop_max_lag: float
    loop_p99_lag: float
    loop_blocked: float
    ping_p99: float | None
    ping_max: float | None
    stalls: tuple[StallSummary, ...]
    error: str | None = None
    causes: RunCauses | None = None
    """What kept the loop from reacting, by cause and by owner."""
    requests: tuple[RequestSpan, ...] = ()
    """Each request of the run, in the order they were sent."""
    held_up_by: tuple[str, ...] = ()
    """Other runs in flight whose code held the loop meanwhile (``#41
    sync-unguarded froze 1.08 s``): this run waited for them."""
    stopped: float = 0.0
    """Seconds of the run the whole process was stopped (``tui.instrument.stops``):
    nothing it measured then is the demo's, and the verdict says so."""
    thread_hops: int = 0
    """Every thread hop its requests made: Django's and middleware's too."""
    redirect: str | None = None
    """Where a redirect (a 3xx status) sent the client."""
    login_required: bool = False
    """The redirect goes to the project's ``LOGIN_URL``."""

    @property
    def label(self) -> str:
        """The run's one name (see ``RunSpec.label``)."""
        return self.spec.label

    @property
    def pattern(self) -> str:
        """The catalog name of the pattern that ran, else its request."""
        return self.spec.pattern.name if self.spec.pattern else self.spec.name

    @property
    def title(self) -> str:
        """The pattern's title, else its request."""
        return self.spec.title

    @property
    def hop_callers(self) -> tuple[tuple[str, int], ...]:
        """Each thing run across a thread hop, with how many times, in order."""
        counts: dict[str, int] = {}
        for span in self.requests:
            for hop in span.record.hops:
                counts[hop.caller] = counts.get(hop.caller, 0) + 1
        return tuple(counts.items())

    @property
    def burst(self) -> int:
        """How many concurrent requests fired."""
        return self.spec.burst

    @property
    def latency_ms(self) -> float:
        """The simulated latency the run's statements had, in milliseconds."""
        return self.spec.latency_ms or 0.0

    @property
    def blocked_share(self) -> float:
        """The share of the run's wall time the loop could not react."""
        return self.loop_blocked / self.wall if self.wall > 0 else 0.0

    @property
    def judgement(self) -> Verdict:
        """What the run did to the loop, judged by cause (``tui.engine.verdicts``)."""
        return judge(
            self.causes,
            self.error,
            longest_hold=self.longest_hold,
            held_up_by=self.held_up_by,
            stopped=self.stopped,
            redirect=self.redirect,
            login=self.login_required,
        )

    @property
    def longest_hold(self) -> float | None:
        """The run's longest stall of its own code on the loop (froze or blocked).

        The figure a froze/blocked verdict states, so the verdict, the stall
        line and the replay give the same stall the same number.
        """
        held = [s.duration for s in self.stalls if s.cause in (WORKING, BLOCKED)]
        return max(held) if held else None

    @property
    def froze_loop(self) -> bool:
        """Whether the demo held the loop itself (froze or blocked it)."""
        return self.judgement.held_the_loop

    @property
    def verdict(self) -> str:
        """A sentence built from the measurements, never typed in.

        An error's message is outside text: its control characters are shown
        as escapes (``tui.instrument.printable``).
        """
        return printable(self.judgement.sentence())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON export: the spec flattened, and the verdict."""
        data = asdict(self)
        del data["spec"]
        return {
            "number": self.number,
            "label": self.label,
            "pattern": self.pattern,
            "title": self.title,
            "url": self.spec.url,
            "burst": self.burst,
            "latency_ms": self.latency_ms,
            **data,
            "causes": self.causes.as_dict() if self.causes else None,
            "verdict": self.verdict,
            "verdict_kind": self.judgement.kind,
            "froze_loop": self.froze_loop,
        }
