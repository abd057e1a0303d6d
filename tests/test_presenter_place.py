"""The presenter's place: detours come back, o and z resume, stale answers are ignored.

The runs are answered by hand (the app's ``request_runs`` is replaced), so a
test decides when an answer arrives: after the quiz or the tour has moved on.
"""

from pathlib import Path

from tests.factories import make_result
from tests.test_app import frozen_app
from tests.test_replay import a_freeze_recorded
from tui.engine.runs import RunSpec
from tui.lessons.demo import demo_target
from tui.lessons.patterns import PATTERNS
from tui.lessons.questions import QUESTIONS
from tui.ui.messages import RunsFinished
from tui.ui.widgets.quiz_panel import QuizPanel
from tui.ui.widgets.replay_panel import ReplayPanel
from tui.ui.widgets.tour_panel import TourPanel
from tui.ui.widgets.versus_panel import VersusPanel

SIZE = (160, 45)


class Requests:
    """Stands in for the app's desk: keeps each request, answers when told."""

    def __init__(self, app) -> None:
        self.asked: list[tuple[tuple[RunSpec, ...], object, object]] = []
        app.request_runs = self.request

    def request(self, specs, reply_to=None, token=None) -> bool:
        self.asked.append((tuple(specs), reply_to, token))
        return True

    def answer(self, index: int = -1) -> None:
        """Answer request ``index`` with one plausible result per spec."""
        specs, reply_to, token = self.asked[index]
        results = tuple(
            make_result(
                spec=spec.at_latency(0.0),
                number=100 + i,
                wall=0.5 if spec.burst == 1 else 2.5,
            )
            for i, spec in enumerate(specs)
        )
        message = (
            RunsFinished(results)
            if token is None
            else RunsFinished(results, None, token)
        )
        reply_to.post_message(message)


def shown(panel) -> bool:
    return bool(panel.display and panel.has_focus)


async def test_restarting_the_quiz_while_a_question_runs_does_not_crash(
    demo_db: Path, monkeypatch
) -> None:
    """z, n x7, Enter, z: the eighth question's answer came to the first one."""
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        requests = Requests(app)
        await pilot.pause()
        await pilot.press("z", *"n" * 7, "1", "enter")
        panel = app.main.query_one(QuizPanel)
        assert panel.round.question is QUESTIONS[7] and panel.running
        await pilot.press("z")
        requests.answer()  # the eighth question's four runs
        await pilot.pause()
        await pilot.pause()
        assert app.is_running and app.return_code is None
        # z resumed the question it interrupted; the answer is that question's.
        assert panel.round.question is QUESTIONS[7]
        assert panel.round.revealed and not panel.running
        assert panel.round.tally[0] == 1


async def test_an_answer_for_a_restarted_quiz_is_ignored(
    demo_db: Path, monkeypatch
) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        requests = Requests(app)
        await pilot.pause()
        await pilot.press("z", *"n" * 7, "enter")
        panel = app.main.query_one(QuizPanel)
        await pilot.press("home")  # start over while question 8 runs
        assert panel.session.number == 1 and not panel.running
        requests.answer()
        await pilot.pause()
        await pilot.pause()
        assert app.is_running
        assert panel.session.number == 1 and not panel.round.revealed
        await pilot.press("enter")  # question 1 can be asked and answered
        requests.answer()
        await pilot.pause()
        assert panel.round.revealed


async def test_a_stale_answer_never_lands_on_another_tour_step(
    demo_db: Path, monkeypatch
) -> None:
    """o during a running step, then Space: the old run must not be step 1's."""
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        requests = Requests(app)
        await pilot.pause()
        await pilot.press("o", "space")
        requests.answer()
        await pilot.pause()
        await pilot.press("space", "space")  # on to step 2, and run it
        await pilot.press("o", "space")
        for index in range(len(requests.asked)):
            requests.answer(index)
        await pilot.pause()
        await pilot.pause()
        panel = app.main.query_one(TourPanel)
        tour = panel.tour
        for index, step in enumerate(tour.steps):
            result = tour.result_of(index)
            if result is not None:
                assert result.pattern == step.spec.pattern.name, f"step {index + 1}"
        assert tour.number == 2 and tour.result is not None


async def test_an_answer_for_a_restarted_tour_is_ignored(
    demo_db: Path, monkeypatch
) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        requests = Requests(app)
        await pilot.pause()
        await pilot.press("o", "space", "home")
        requests.answer()
        await pilot.pause()
        panel = app.main.query_one(TourPanel)
        assert panel.tour.number == 1 and panel.tour.result is None
        assert not panel.running and not panel.tour.running


async def test_detours_return_to_the_same_step(demo_db: Path, monkeypatch) -> None:
    """Replaying the freeze at a tour step, or a pair, comes back to that step."""
    app = frozen_app(demo_db, monkeypatch)
    monkeypatch.setattr(app.bench, "last_recording", a_freeze_recorded)
    async with app.run_test(size=SIZE) as pilot:
        requests = Requests(app)
        await pilot.pause()
        await pilot.press("o", "space")
        requests.answer()
        await pilot.pause()
        await pilot.press("space", "space")  # step 2, run
        requests.answer()
        await pilot.pause()
        tour_panel = app.main.query_one(TourPanel)
        measured = tour_panel.tour.result
        for detour, kind in (("r", ReplayPanel), ("c", VersusPanel)):
            await pilot.press(detour)
            await pilot.pause()
            assert shown(app.main.query_one(kind)) and not tour_panel.display
            await pilot.press("escape")
            await pilot.pause()
            assert shown(tour_panel), f"{detour}: the tour did not come back"
            assert tour_panel.tour.number == 2 and tour_panel.tour.result is measured
        await pilot.press("escape")  # the tour itself: the screen is plain again
        await pilot.pause()
        assert not tour_panel.display and not app.main.has_class("presenting")


async def test_o_and_z_resume_with_votes_results_and_score(
    demo_db: Path, monkeypatch
) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        requests = Requests(app)
        await pilot.pause()
        await pilot.press("z", "1", "1", "2", "enter")
        requests.answer()
        await pilot.pause()
        quiz = app.main.query_one(QuizPanel)
        assert quiz.round.revealed
        await pilot.press("n", "2")  # question 2, one vote
        await pilot.press("o", "space", "space")  # the tour interrupts
        requests.answer(-1)
        await pilot.pause()
        tour = app.main.query_one(TourPanel).tour
        await pilot.press("space", "space")  # tour step 2 run
        requests.answer(-1)
        await pilot.pause()
        await pilot.press("z")
        assert shown(quiz)
        assert quiz.session.number == 2 and quiz.round.tally[1] == 1
        assert quiz.session.rounds[0].tally[:2] == (2, 1)
        assert quiz.session.rounds[0].revealed
        await pilot.press("escape", "o")
        tour_panel = app.main.query_one(TourPanel)
        assert shown(tour_panel) and tour_panel.tour is tour and tour.number == 2
        assert tour.result_of(0) is not None and tour.result_of(1) is not None


async def test_enter_runs_the_current_tour_step_again(
    demo_db: Path, monkeypatch
) -> None:
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        requests = Requests(app)
        await pilot.pause()
        await pilot.press("o", "space")
        requests.answer()
        await pilot.pause()
        panel = app.main.query_one(TourPanel)
        first = panel.tour.result
        await pilot.press("enter")
        assert len(requests.asked) == 2 and panel.running
        assert requests.asked[1][0] == requests.asked[0][0]  # the same step
        requests.answer()
        await pilot.pause()
        assert panel.tour.number == 1
        assert panel.tour.result is not None and panel.tour.result is not first


async def test_the_quiz_shows_the_real_vote_range_and_the_ratio_bands(
    demo_db: Path, monkeypatch
) -> None:
    from tui.lessons.quiz import SAME_TIME_BELOW, SERIAL_FROM

    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        Requests(app)
        await pilot.pause()
        await pilot.press("z")
        panel = app.main.query_one(QuizPanel)
        for question in QUESTIONS:
            text = str(panel.render())
            assert f"1-{len(question.choices)}: a vote" in text, question.prompt
            assert "1-4: a vote" not in text or len(question.choices) == 4
            if question.bands:
                assert f"< {SAME_TIME_BELOW:g}x" in text
                assert f"{SAME_TIME_BELOW:g}-{SERIAL_FROM:g}x" in text
                assert f"≥ {SERIAL_FROM:g}x" in text
            await pilot.press("n")
        # Votes past the choices are not counted.
        await pilot.press("home", "4")
        assert panel.round.total == 0


async def test_a_long_measurement_says_how_far_it_is(demo_db: Path) -> None:
    """Q8 measured ~13 s with nothing but "measuring…"."""
    from tests.test_app import started
    from tui.lessons.questions import GATHER_ORM
    from tui.ui.app import LoopbeatApp

    app = LoopbeatApp(demo_target(demo_db), catalog=PATTERNS)
    async with started(app) as pilot:
        await pilot.press("z")
        panel = app.main.query_one(QuizPanel)
        while panel.round.question is not GATHER_ORM:
            await pilot.press("n")
        total = len(GATHER_ORM.runs)
        # Every text the panel is given, not what a poll happens to catch: on
        # a loaded machine the runs' threads can starve a polling test for
        # longer than a run takes.
        shown: list[str] = []
        update = panel.update

        def recording_update(content: object = "", **kwargs: object) -> None:
            shown.append(str(content))
            update(content, **kwargs)  # type: ignore[arg-type]

        panel.update = recording_update  # type: ignore[method-assign]
        await pilot.press("enter")
        for _ in range(1200):
            await pilot.pause(0.05)
            if not panel.running:
                break
        await app.workers.wait_for_complete()
        seen = {
            n
            for n in range(1, total + 1)
            for text in shown
            if f"run {n} of {total}" in text
        }
        assert seen == set(range(1, total + 1))


async def test_the_header_says_the_latency_of_the_step_in_front(
    demo_db: Path, monkeypatch
) -> None:
    """Not "latency 0 ms" while the tour's gather steps run at 50."""
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        requests = Requests(app)
        await pilot.pause()
        await pilot.press("o")
        panel = app.main.query_one(TourPanel)
        while not panel.tour.step.spec.latency_ms:
            await pilot.press("space")
            requests.answer()
            await pilot.pause()
            await pilot.press("space")
            await pilot.pause()
        latency = panel.tour.step.spec.latency_ms
        assert latency != app.bench.latency_ms
        assert f"simulated latency {latency:g} ms for this step" in app.sub_title
        await pilot.press("escape")
        await pilot.pause()
        assert app.sub_title.startswith(
            f"simulated latency {app.bench.latency_ms:g} ms ·"
        )
