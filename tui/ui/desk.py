"""The app's desk for runs: accept or refuse, run in a worker, answer the asker.

Owned by the app, which alone decides: a key, the tour or the quiz asks
(``RunRequested``), the desk takes room from the bench at once, runs the
specs in a worker, puts them on the screen as they start and finish, and
answers the asker (``RunsFinished``). A run that fails becomes an error row
and a notice, never an exit. Methods that write (POST, ...) are refused
unless writes were allowed. The middleware audit (``AuditRequested``) runs
here too, alone: its runs are the bench's unrecorded ones, never numbered or
kept as the presenter's, and runs asked for meanwhile are refused.
"""

from collections.abc import Sequence
from typing import Any

from textual.app import App
from textual.message_pump import MessagePump
from textual.notifications import Notification, Notify

from tui.engine.bench import Bench
from tui.engine.reservation import Reservation, RunRefused
from tui.engine.results import RunResult
from tui.engine.runs import RunSpec
from tui.instrument.printable import printable
from tui.ui.messages import AuditFinished, AuditProgress, RunsFinished, RunsProgress
from tui.ui.screens.live import LiveScreen


def show_error(app: App, problem: str, title: str) -> None:
    """A notice for something that failed; its text is never markup."""
    app.notify(problem, title=title, severity="error", markup=False)


REFUSAL_SECONDS = 2.0
"""How long a refusal's notice stays up."""


class RefusalNotice:
    """One notice for refusals, counting repeats instead of stacking copies.

    Fifty refused bursts made 49 identical toasts; a refusal said again while
    its notice is still up replaces it with a count.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._shown: Notification | None = None
        self._reason = ""
        self._count = 0

    def say(self, reason: str) -> None:
        """Show ``reason``, or count it if the same is still shown."""
        shown = self._shown
        repeat = shown is not None and reason == self._reason and not shown.has_expired
        self._count = self._count + 1 if repeat else 1
        self._reason = reason
        text = printable(reason)
        if self._count > 1:
            text += f" (refused {self._count} times)"
        if repeat and shown is not None:
            # Expired, so that it is dropped even if it has not reached the
            # screen yet; then taken down the way Textual's Toast does it.
            shown.timeout = 0
            self.app._unnotify(shown)
        self._shown = Notification(text, "", "warning", REFUSAL_SECONDS, markup=False)
        self.app.post_message(Notify(self._shown))


class RunDesk:
    """Takes run requests for ``app``, on ``bench``, shown on ``screen``."""

    def __init__(
        self, app: App, bench: Bench, screen: LiveScreen, *, allow_writes: bool = False
    ) -> None:
        self.app = app
        self.bench = bench
        self.screen = screen
        self.allow_writes = allow_writes
        self.refusals = RefusalNotice(app)
        self.auditing = False
        """True while the middleware audit measures: it runs alone."""

    def request(
        self,
        specs: Sequence[RunSpec],
        reply_to: MessagePump | None = None,
        token: object = None,
    ) -> bool:
        """Start ``specs`` (one after another) unless the bench refuses.

        Room is taken now, as the key is accepted, so keys that arrive
        together cannot all pass the in-flight limit. Returns whether the
        runs were accepted; ``reply_to`` gets a ``RunsFinished`` either way,
        carrying ``token``, and a ``RunsProgress`` as each run starts.
        """
        try:
            self._check(specs)
            reservation = self.bench.reserve(specs)
        except RunRefused as refusal:
            self.refusals.say(str(refusal))
            if reply_to is not None:
                reply_to.post_message(RunsFinished((), str(refusal), token))
            return False
        self.screen.heartbeat.busy = True
        self.app.run_worker(
            self._run(reservation, reply_to, token),
            name="run",
            group="runs",
            exit_on_error=False,
        )
        return True

    async def _run(
        self, reservation: Reservation, reply_to: MessagePump | None, token: object
    ) -> None:
        total, started = len(reservation.specs), 0

        def on_start(number: int, spec: RunSpec) -> None:
            nonlocal started
            started += 1
            self.screen.run_started(number, spec)
            if reply_to is not None:
                reply_to.post_message(RunsProgress(started, total, token))

        batch = await self.bench.run_reserved(
            reservation, on_start=on_start, on_result=self.screen.run_finished
        )
        self.screen.heartbeat.busy = self.bench.runs_in_flight > 0
        if batch.problem is not None:  # an error row and a notice, never an exit
            self.screen.run_failed(batch.failed_number, batch.problem)
            show_error(self.app, batch.problem, "the run failed")
        if reply_to is not None:
            reply_to.post_message(
                RunsFinished(tuple(batch.results), batch.problem, token)
            )

    def _check(self, specs: Sequence[RunSpec]) -> None:
        """Refuse what this desk never sends, or not now.

        Raises:
            RunRefused: a method that writes while writes are not allowed,
                or the middleware audit is measuring.
        """
        writes = [spec for spec in specs if spec.writes]
        if writes and not self.allow_writes:
            raise RunRefused(
                f"{writes[0].method} is not sent: only GET and HEAD unless "
                "loopbeat is started with --allow-writes"
            )
        if self.auditing:
            raise RunRefused(
                "the middleware audit is measuring: runs wait until it is done"
            )

    def audit(self, spec: RunSpec, reply_to: MessagePump) -> bool:
        """Measure the project's middleware on ``spec``'s request, in a worker.

        ``reply_to`` gets ``AuditProgress`` as the runs go and one
        ``AuditFinished``. Refused (said in the answer) before the bench is
        ready, while it is already measuring, or while runs are in flight:
        the audit compares medians, so it measures alone.
        """
        reason = None
        if not self.bench.ready:
            reason = "still starting up; try again in a moment"
        elif self.auditing:
            reason = "the middleware audit is already measuring"
        elif self.bench.runs_in_flight:
            reason = "runs are in flight: the audit measures alone, once they end"
        elif any(w.name == "noise check" and w.is_running for w in self.app.workers):
            reason = "the noise check is listening to the machine: try in a moment"
        if reason is not None:
            reply_to.post_message(AuditFinished(problem=reason))
            return False
        self.auditing = True
        self.screen.heartbeat.busy = True  # drawn as often as for a run
        self.app.run_worker(
            self._audit(spec, reply_to),
            name="middleware audit",
            group="audit",
            exit_on_error=False,
        )
        return True

    async def _audit(self, spec: RunSpec, reply_to: MessagePump) -> None:
        from tui.engine.audit import AUDIT_RUNS, audit
        from tui.engine.middleware import BROKEN, project_middleware
        from tui.engine.wrapper import RecordingApp

        try:
            classes = tuple(project_middleware())
            measured = sum(m.kind != BROKEN for m in classes)
            total = 1 + AUDIT_RUNS * (1 + measured)
            done = 0
            reply_to.post_message(AuditProgress(done, total, classes))

            async def run(each: RunSpec, app: Any) -> RunResult:
                nonlocal done
                result = await self.bench.run_unrecorded(each, app)
                done += 1
                reply_to.post_message(AuditProgress(done, total, classes))
                return result

            # Once first: a path that does not answer has nothing to compare.
            first = await run(RunSpec(spec.path, 1, spec.latency_ms, spec.method), None)
            if first.error or first.status >= 400:
                why = (first.error or f"HTTP {first.status}").splitlines()[0]
                reply_to.post_message(
                    AuditFinished(
                        problem=f"{spec.label} answered {why}: the audit needs a "
                        "path that answers"
                    )
                )
                return
            costs = await audit(classes, spec, run, RecordingApp)
            reply_to.post_message(AuditFinished(tuple(costs)))
        except Exception as error:  # said in the panel, never an exit
            reply_to.post_message(
                AuditFinished(problem=f"{type(error).__name__}: {error}")
            )
        finally:
            self.auditing = False
            self.screen.heartbeat.busy = self.bench.runs_in_flight > 0
