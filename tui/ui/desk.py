"""The app's desk for runs: accept or refuse, run in a worker, answer the asker.

Owned by the app, which alone decides: a key, the tour or the quiz asks
(``RunRequested``), the desk takes room from the bench at once, runs the
specs in a worker, puts them on the screen as they start and finish, and
answers the asker (``RunsFinished``). A run that fails becomes an error row
and a notice, never an exit.
"""

from collections.abc import Sequence

from textual.app import App
from textual.message_pump import MessagePump
from textual.notifications import Notification, Notify

from tui.engine.bench import Bench
from tui.engine.reservation import Reservation, RunRefused
from tui.engine.runs import RunSpec
from tui.instrument.printable import printable
from tui.ui.messages import RunsFinished, RunsProgress
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

    def __init__(self, app: App, bench: Bench, screen: LiveScreen) -> None:
        self.app = app
        self.bench = bench
        self.screen = screen
        self.refusals = RefusalNotice(app)

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
