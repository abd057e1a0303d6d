"""The middleware audit: what each class costs a request, measured.

Two measurements, in one session:

* **hops counted**: every thread hop a request made is recorded with what it
  ran (``tui.engine.hooks``), so the hops of each class are counted straight
  off the records: ``CsrfViewMiddleware x3``;
* **the class taken out**: the same request is sent to the project's handler
  built without that one class (``MIDDLEWARE`` minus it, for this process
  only: nothing of the project changes), interleaved with the whole stack,
  and the medians compared: hops, the loop's time and worker threads' CPU
  per request. What the audit says of a class is that difference, or that
  there was none beyond the runs' own spread.
"""

import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.engine.middleware import (
    ADAPTED,
    BROKEN,
    MIXIN,
    NATIVE,
    SYNC_ONLY,
    MiddlewareClass,
    hop_owner,
)
from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.instrument.formatting import format_seconds
from tui.instrument.owners import DEMO

AUDIT_RUNS = 5
"""Runs of the whole stack and of each stack without one class."""


@dataclass(frozen=True)
class PerRequest:
    """What one request cost, as medians over runs."""

    hops: float
    loop: float
    """Seconds of the loop's time in the request's own callbacks."""
    worker: float
    """Seconds of CPU its worker threads used."""
    spread: float
    """Loop seconds between the fastest and the slowest run: the noise."""


@dataclass(frozen=True)
class MiddlewareCost:
    """One class of ``MIDDLEWARE``: how Django runs it, and what it cost."""

    middleware: MiddlewareClass
    hops: float
    """Hops per request its hooks made, counted off the records; for a
    sync-only class, the hops into the stack Django adapted because of it."""
    change: PerRequest | None = None
    """Stack without it minus the whole stack, per request (None: not run)."""
    failed: str | None = None
    """Why the request failed without it, when it did (it cannot go alone)."""
    adapted: bool = False
    """Whether a sync-only class made Django adapt the stack to sync: then a
    MiddlewareMixin class inside it runs sync too, with no hop of its own."""

    @property
    def how(self) -> str:
        """How Django runs it under ASGI, from its code, in words."""
        kind = self.middleware.kind
        if kind == MIXIN:
            hooks = ", ".join(self.middleware.hooks) or "no hooks"
            if self.adapted and self.hops == 0:
                return f"MiddlewareMixin ({hooks}), run sync inside the adapted stack"
            return f"MiddlewareMixin: a sync_to_async hop per hook ({hooks})"
        if kind == SYNC_ONLY:
            return "sync-only: Django runs the stack around it in one worker thread"
        if kind == NATIVE:
            return "natively async: runs on the loop, no hop"
        return f"could not be imported: {self.middleware.problem}"

    @property
    def finding(self) -> str:
        """What the same request did without it, measured."""
        if self.failed is not None:
            return f"the request fails without it ({self.failed})"
        change = self.change
        if change is None:
            return "not measured"
        parts = []
        if abs(change.hops) >= 0.5:
            more = "more" if change.hops > 0 else "fewer"
            count = round(abs(change.hops))
            parts.append(f"{count} {more} hop{'' if count == 1 else 's'}")
        for figure, what in ((change.loop, "loop time"), (change.worker, "worker CPU")):
            if abs(figure) > change.spread:
                more = "more" if figure > 0 else "less"
                parts.append(f"{format_seconds(abs(figure))} {more} {what}")
        if not parts:
            return "without it: no change beyond the runs' own spread"
        return f"without it: {', '.join(parts)} a request (medians)"


def hops_by_class(results: Sequence[RunResult]) -> Counter[str]:
    """Hops per request for each middleware class, counted off the records."""
    counts: Counter[str] = Counter()
    requests = 0
    for result in results:
        for span in result.requests:
            requests += 1
            for hop in span.record.hops:
                owner = hop_owner(hop.caller)
                if owner is not None:
                    counts[owner] += 1
    return Counter({k: v / requests for k, v in counts.items()}) if requests else counts


def per_request(results: Sequence[RunResult]) -> PerRequest:
    """Medians over runs of hops, loop time and worker CPU per request."""

    def each(result: RunResult) -> tuple[float, float, float]:
        causes = result.causes
        burst = max(1, result.burst)
        loop = causes.demo_busy if causes else 0.0
        worker = causes.threads_cpu.get(DEMO, 0.0) if causes else 0.0
        return result.thread_hops / burst, loop / burst, worker / burst

    figures = [each(r) for r in results]
    loops = [loop for _, loop, _ in figures]
    return PerRequest(
        hops=statistics.median(h for h, _, _ in figures),
        loop=statistics.median(loops),
        worker=statistics.median(w for _, _, w in figures),
        spread=max(loops) - min(loops) if loops else 0.0,
    )


def handler_without(dotted: str) -> Any:
    """The project's ASGI handler built without the middleware ``dotted``.

    For this process only, and only for the audit's own requests: the
    settings are changed while the handler loads its middleware, on the loop,
    where nothing else runs meanwhile, and put back at once.
    """
    from django.conf import settings
    from django.core.handlers.asgi import ASGIHandler
    from django.test.utils import override_settings

    kept = [m for m in settings.MIDDLEWARE if m != dotted]
    with override_settings(MIDDLEWARE=kept):
        return ASGIHandler()


Runner = Callable[[RunSpec, Any], Any]
"""Runs a spec on an app (None: the project's own) and returns a RunResult."""


async def audit(
    middleware: Sequence[MiddlewareClass],
    spec: RunSpec,
    run: Runner,
    wrap: Callable[[Any], Any],
    runs: int = AUDIT_RUNS,
) -> list[MiddlewareCost]:
    """Measure each class of ``middleware`` on ``spec``'s request.

    Args:
        middleware: The project's classes, in order.
        spec: A request that answers (its burst is taken as 1).
        run: Sends a spec to an app and measures it (the bench's).
        wrap: Puts an application inside loopbeat's recording wrapper.
        runs: Runs of the whole stack, and of each stack without one class,
            interleaved so drift on the machine touches all alike.
    """
    spec = RunSpec(spec.path, 1, spec.latency_ms, spec.method, spec.pattern)
    measurable = [m for m in middleware if m.kind != BROKEN]
    without = {m.dotted: wrap(handler_without(m.dotted)) for m in measurable}
    whole: list[RunResult] = []
    each: dict[str, list[RunResult]] = {m.dotted: [] for m in measurable}
    for _ in range(runs):
        whole.append(await run(spec, None))
        for dotted, app in without.items():
            each[dotted].append(await run(spec, app))
    counted = hops_by_class(whole)
    base = per_request(whole)
    adapted = counted.get(ADAPTED, 0.0) > 0
    costs = []
    for m in middleware:
        hops = counted.get(m.name, 0.0)
        if m.kind == SYNC_ONLY:
            hops += counted.get(ADAPTED, 0.0)
        runs_without = each.get(m.dotted)
        if not runs_without:
            costs.append(MiddlewareCost(m, hops, adapted=adapted))
            continue
        failure = next(
            (r.error or f"HTTP {r.status}" for r in runs_without if _failed(r)), None
        )
        if failure is not None and not any(_failed(r) for r in whole):
            why = failure.splitlines()[0].split(". ")[0]
            costs.append(MiddlewareCost(m, hops, failed=why, adapted=adapted))
            continue
        other = per_request(runs_without)
        change = PerRequest(
            hops=other.hops - base.hops,
            loop=other.loop - base.loop,
            worker=other.worker - base.worker,
            spread=max(base.spread, other.spread),
        )
        costs.append(MiddlewareCost(m, hops, change, adapted=adapted))
    return costs


def _failed(result: RunResult) -> bool:
    return bool(result.error) or result.status >= 500
