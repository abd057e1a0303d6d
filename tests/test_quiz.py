"""The quiz: every answer is judged from a measurement, on both sides of each line."""

import pytest

from tests.factories import make_causes, make_result
from tui.engine.runs import RunSpec
from tui.lessons import questions as quiz
from tui.lessons.patterns import find
from tui.lessons.questions import QUESTIONS
from tui.lessons.quiz import (
    MARGIN,
    SAME_TIME_BELOW,
    SERIAL_FROM,
    CannotJudge,
    Question,
    QuizRound,
    QuizSession,
)

GUARD = "SynchronousOnlyOperation: You cannot call this from an async context"
RATIO_QUESTIONS = [
    quiz.GATHER_ORM,
    quiz.CONCURRENT_REQUESTS,
    quiz.GATHER_NATIVE,
    quiz.CPU_BOUND_BURST,
]


def pair(ratio: float, **many):
    """A (one, many) pair of results whose walls differ by ``ratio``."""
    one = make_result(wall=0.1, queries=1, query_threads=("ThreadPoolExecutor-7_0",))
    return one, make_result(wall=0.1 * ratio, **many)


# --- the catalog of questions ---------------------------------------------------------


def test_at_least_six_questions_with_two_to_four_choices() -> None:
    assert len(QUESTIONS) >= 6
    assert len({q.prompt for q in QUESTIONS}) == len(QUESTIONS)
    for question in QUESTIONS:
        assert 2 <= len(question.choices) <= 4
        assert question.specs and question.topic


def test_every_run_sets_its_own_latency() -> None:
    # A question's answer must not depend on the presenter's + and - keys.
    for question in QUESTIONS:
        assert all(spec.latency_ms is not None for spec in question.specs)


def test_a_question_refuses_a_run_without_its_own_latency() -> None:
    with pytest.raises(ValueError, match="its own latency"):
        Question("?", ("a", "b"), (RunSpec.of(find("async-for")),), lambda r: 0, str)


def test_a_question_needs_two_to_four_choices() -> None:
    def judge(results):
        return 0

    with pytest.raises(ValueError, match="2 to 4 choices"):
        Question("?", ("only",), (quiz.run("async-for"),), judge, str)


def test_ratio_questions_compare_one_with_five_under_latency() -> None:
    for question in RATIO_QUESTIONS:
        one, many = question.specs
        assert one.pattern == many.pattern
        assert (one.url, one.burst) != (many.url, many.burst)
    for question in RATIO_QUESTIONS[:3]:  # waiting must dominate
        assert all(spec.latency_ms == 50 for spec in question.specs)
    assert all(spec.latency_ms == 0 for spec in quiz.CPU_BOUND_BURST.specs)


# --- judges, on both sides of every threshold -----------------------------------------


@pytest.mark.parametrize("question", RATIO_QUESTIONS, ids=lambda q: q.topic)
@pytest.mark.parametrize(
    ("ratio", "choice"),
    [
        (1.0, 0),
        (SAME_TIME_BELOW / (1 + MARGIN) - 0.01, 0),
        (SAME_TIME_BELOW * (1 + MARGIN) + 0.01, 1),
        (SERIAL_FROM / (1 + MARGIN) - 0.01, 1),
        (SERIAL_FROM * (1 + MARGIN) + 0.01, 2),
        (4.9, 2),
    ],
)
def test_ratio_judges(question: Question, ratio: float, choice: int) -> None:
    assert question.judge(pair(ratio)) == choice
    assert question.bands[2] == f"≥ {SERIAL_FROM:g}x"
    assert "same" in question.choices[0] and "five" not in question.choices[2]


def test_a_failed_run_answers_nothing() -> None:
    one, many = pair(1.0, error="HTTP 500")
    with pytest.raises(CannotJudge, match="HTTP 500"):
        quiz.GATHER_ORM.judge((one, many))
    with pytest.raises(CannotJudge, match="no measurable time"):
        quiz.GATHER_ORM.judge((make_result(wall=0.0), make_result()))


@pytest.mark.parametrize(
    ("result", "choice"),
    [
        (make_result(error=GUARD, status=500), 1),
        (make_result(query_threads=("MainThread",)), 0),
        # Judged by where the code ran, never by how long the loop lagged.
        (
            make_result(
                view_threads=("w",),
                query_threads=("w",),
                causes=make_causes(working=0.9),
            ),
            2,
        ),
    ],
)
def test_sync_orm_in_an_async_view(result, choice: int) -> None:
    question = quiz.SYNC_ORM_IN_ASYNC_VIEW
    assert question.judge([result]) == choice
    assert "SynchronousOnlyOperation" in question.choices[1]


def test_sync_orm_judge_does_not_mistake_another_error_for_the_guard() -> None:
    with pytest.raises(CannotJudge, match="HTTP 502"):
        quiz.SYNC_ORM_IN_ASYNC_VIEW.judge([make_result(error="HTTP 502")])


@pytest.mark.parametrize(
    ("result", "choice"),
    [
        (make_result(error=GUARD), 0),
        (make_result(view_threads=("MainThread",), query_threads=("MainThread",)), 1),
        (make_result(view_threads=("w",), causes=make_causes(starved=0.8)), 2),
    ],
)
def test_sync_view_under_asgi(result, choice: int) -> None:
    assert quiz.SYNC_VIEW_UNDER_ASGI.judge([result]) == choice


@pytest.mark.parametrize(
    ("query_threads", "choice"),
    [
        (("MainThread",), 0),
        (("MainThread", "ThreadPoolExecutor-0_0"), 0),
        (("ThreadPoolExecutor-0_0",), 1),
        (("ThreadPoolExecutor-0_0", "ThreadPoolExecutor-0_1"), 2),
    ],
)
def test_where_the_async_orm_runs(query_threads, choice: int) -> None:
    result = make_result(query_threads=query_threads, view_threads=("MainThread",))
    assert quiz.ASYNC_ORM_THREADS.judge([result]) == choice


def test_the_loop_thread_is_the_async_views_thread() -> None:
    # Not a hard-coded name: whatever thread ran the async view is the loop's.
    result = make_result(query_threads=("Loop",), view_threads=("Loop",))
    assert quiz.ASYNC_ORM_THREADS.judge([result]) == 0


def test_no_query_answers_nothing() -> None:
    with pytest.raises(CannotJudge, match="no query"):
        quiz.ASYNC_ORM_THREADS.judge([make_result(queries=0, query_threads=())])


@pytest.mark.parametrize(("hops", "choice"), [(1, 1), (2, 0), (51, 0)])
def test_does_async_for_stream_is_judged_by_hops(hops: int, choice: int) -> None:
    # One statement either way (SQLite reads chunks from one statement): the
    # hops are what tell a single fetch from a stream.
    async_for = make_result(queries=1, hops=hops)
    streamed = make_result(pattern="async-stream", queries=1, hops=51)
    assert quiz.ASYNC_FOR_STREAMS.judge([async_for, streamed]) == choice
    assert quiz.ASYNC_FOR_STREAMS.choices[1].startswith("No: one fetch")


def test_a_run_without_hops_cannot_answer_the_stream_question() -> None:
    with pytest.raises(CannotJudge, match="no sync_to_async hop"):
        quiz.ASYNC_FOR_STREAMS.judge([make_result(hops=0), make_result(hops=51)])


# --- explanations speak measured numbers ----------------------------------------------


def test_gather_explanation() -> None:
    one = make_result(wall=0.052, queries=1, query_threads=("ThreadPoolExecutor-7_0",))
    five = make_result(wall=0.255, queries=5, query_threads=("ThreadPoolExecutor-7_0",))
    assert quiz.GATHER_ORM.explain((one, five)) == (
        "5 gathered queries took 4.9x one query (255 ms vs 52.0 ms, medians): they "
        "ran one after another, on one thread (ThreadPoolExecutor-7_0)"
    )


def test_burst_explanation_names_the_threads() -> None:
    one, many = pair(1.1, burst=5, query_threads=("T1", "T2", "T3", "T4", "T5"))
    text = quiz.CONCURRENT_REQUESTS.explain((one, many))
    assert text.startswith("5 concurrent requests took 1.1x one request (110 ms vs")
    assert "they overlapped, on 5 different threads" in text


def test_cpu_bound_explanation_follows_the_measurement() -> None:
    text = quiz.CPU_BOUND_BURST.explain(pair(4.6, burst=5, query_threads=("A", "B")))
    assert "4.6x" in text and "one at a time held the GIL" in text
    assert "(A, B)" in text
    text = quiz.CPU_BOUND_BURST.explain(pair(1.2, burst=5))
    assert "1.2x" in text and "in parallel" in text


def test_guard_explanation() -> None:
    result = make_result(error=GUARD, wall=0.0034, loop_max_lag=0.0021)
    text = quiz.SYNC_ORM_IN_ASYNC_VIEW.explain([result])
    assert "SynchronousOnlyOperation after 3.4 ms" in text and "2.1 ms" in text
    frozen = make_result(wall=1.0, causes=make_causes(working=0.93))
    assert "froze the loop for 930 ms in all; the run took 1.00 s" in (
        quiz.SYNC_ORM_IN_ASYNC_VIEW.explain([frozen])
    )


def test_thread_explanations_name_the_threads() -> None:
    result = make_result(rows=60_000, query_threads=("ThreadPoolExecutor-3_0",))
    text = quiz.ASYNC_ORM_THREADS.explain([result])
    assert "60,000 rows" in text and "one thread (ThreadPoolExecutor-3_0)" in text
    text = quiz.ASYNC_FOR_STREAMS.explain([result, make_result(hops=30)])
    assert "60,000 rows in 1 thread hop" in text and "from memory" in text
    assert "30 hops, one per chunk" in text
    view = make_result(view_threads=("ThreadPoolExecutor-4_0",), loop_max_lag=0.012)
    text = quiz.SYNC_VIEW_UNDER_ASGI.explain([view])
    assert "the view ran on ThreadPoolExecutor-4_0" in text and "12.0 ms" in text


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.topic)
def test_every_explanation_carries_a_number(question: Question) -> None:
    results = [
        make_result(wall=0.1 * (4 * i + 1), rows=123, loop_max_lag=0.0047)
        for i in range(len(question.specs))
    ]
    text = question.explain(results)
    assert any(c.isdigit() for c in text) and "\n" not in text


# --- a round --------------------------------------------------------------------------


def round_of(*votes: int) -> QuizRound:
    quiz_round = QuizRound(quiz.SYNC_ORM_IN_ASYNC_VIEW)
    for choice in votes:
        quiz_round.vote(choice)
    return quiz_round


def test_votes_are_tallied_and_bad_ones_ignored() -> None:
    quiz_round = QuizRound(quiz.SYNC_ORM_IN_ASYNC_VIEW)
    assert quiz_round.vote(0) and quiz_round.vote(0) and quiz_round.vote(2)
    assert not quiz_round.vote(3) and not quiz_round.vote(-1)
    assert quiz_round.tally == (2, 0, 1)
    assert quiz_round.total == 3
    assert quiz_round.leaders == (0,)


def test_record_reveals_the_measured_answer() -> None:
    quiz_round = round_of(1, 1, 0)
    assert quiz_round.answer is None and quiz_round.room_was_right is None
    assert quiz_round.record([make_result(error=GUARD)]) == 1
    assert quiz_round.answer == 1
    assert "SynchronousOnlyOperation" in quiz_round.explanation
    assert quiz_round.room_was_right is True
    assert not quiz_round.vote(0)  # the polls have closed
    assert quiz_round.tally == (1, 2, 0)


def test_the_room_can_be_wrong() -> None:
    quiz_round = round_of(0, 0, 1)
    quiz_round.record([make_result(error=GUARD)])
    assert quiz_round.room_was_right is False


def test_a_tie_at_the_top_is_not_a_win() -> None:
    quiz_round = round_of(0, 1)
    quiz_round.record([make_result(error=GUARD)])
    assert quiz_round.leaders == (0, 1)
    assert quiz_round.room_was_right is False


def test_no_votes_means_no_verdict_on_the_room() -> None:
    quiz_round = round_of()
    quiz_round.record([make_result(error=GUARD)])
    assert quiz_round.leaders == ()
    assert quiz_round.room_was_right is None


def test_record_needs_one_result_per_experiment() -> None:
    quiz_round = QuizRound(quiz.GATHER_ORM)
    with pytest.raises(ValueError, match="expected 6 results, got 1"):
        quiz_round.record([make_result()])
    assert quiz_round.answer is None


def test_a_failed_experiment_reveals_nothing() -> None:
    quiz_round = round_of(0)
    with pytest.raises(CannotJudge):
        quiz_round.record([make_result(error="HTTP 502")])
    assert quiz_round.answer is None and quiz_round.explanation is None
    assert quiz_round.vote(1)


# --- several runs, medians, and an honest "too close to call" ---------------------


def test_timing_questions_run_each_case_several_times_interleaved() -> None:
    for question in RATIO_QUESTIONS:
        assert question.repeat >= 2
        one, many = question.specs
        assert question.runs == (one, many) * question.repeat


def test_one_outlier_does_not_flip_the_answer() -> None:
    # A baseline that hit a 400 ms stall once measured "0.3x" before.
    walls = [(0.1, 0.5), (0.4, 0.52), (0.11, 0.49)]
    results = [
        make_result(wall=w, query_threads=("t",)) for pair in walls for w in pair
    ]
    quiz_round = QuizRound(quiz.GATHER_ORM)
    assert quiz_round.record(results) == 2  # medians 0.11 and 0.5: 4.5x
    assert "medians" in quiz_round.explanation


@pytest.mark.parametrize("ratio", [SERIAL_FROM * 0.9, SERIAL_FROM, SERIAL_FROM * 1.1])
def test_a_ratio_near_a_line_is_too_close_to_call(ratio: float) -> None:
    results = [make_result(wall=0.1), make_result(wall=0.1 * ratio)] * 3
    quiz_round = round_of(2, 2, 1)
    quiz_round.question = quiz.GATHER_ORM
    assert quiz_round.record(results) is None
    assert quiz_round.too_close and quiz_round.revealed
    assert "too close to call on this machine" in quiz_round.explanation
    assert f"{ratio:.1f}x" in quiz_round.explanation
    assert quiz_round.room_was_right is None  # nobody was right or wrong


# --- a session: one question after another, then the score ---------------------------


def test_a_session_ends_with_the_score() -> None:
    session = QuizSession(QUESTIONS[:3])
    session.round.vote(1)
    session.round.record([make_result(error=GUARD)])  # room right
    session.next()
    session.round.vote(0)  # room wrong, judged below
    session.round.record([make_result(view_threads=("w",), query_threads=("w",))])
    session.next()  # the third is not voted on
    assert not session.finished
    session.next()
    assert session.finished
    assert session.score() == (1, 2)
    summary = session.summary()
    assert summary.startswith("The room was right on 1 of 2 questions with votes")
    assert "1 right, 2 wrong, 3 not voted" in summary


def test_an_empty_session_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one question"):
        QuizSession(())


def test_the_sync_view_reveal_says_both_halves() -> None:
    """Off the loop's thread, and yet the loop starved: both measured."""
    worker = "ThreadPoolExecutor-1_0"
    result = make_result(
        pattern="sync-view",
        view_threads=(worker,),
        query_threads=(worker,),
        causes=make_causes(wall=0.7, starved=0.583),
    )
    assert quiz.SYNC_VIEW_UNDER_ASGI.judge([result]) == 2
    text = quiz.SYNC_VIEW_UNDER_ASGI.explain([result])
    assert "off the loop's thread" in text and worker in text
    assert "and yet the loop starved: waited 583 ms for the GIL" in text
    calm = make_result(
        pattern="sync-view", view_threads=(worker,), query_threads=(worker,)
    )
    assert "yet" not in quiz.SYNC_VIEW_UNDER_ASGI.explain([calm])


def test_ratio_bands_are_the_judges_own_lines() -> None:
    from tui.lessons.quiz import RATIO_BANDS, SAME_TIME_BELOW, SERIAL_FROM, ratio_choice

    below, between, above = RATIO_BANDS
    assert f"{SAME_TIME_BELOW:g}" in below and f"{SERIAL_FROM:g}" in above
    assert f"{SAME_TIME_BELOW:g}" in between and f"{SERIAL_FROM:g}" in between
    assert ratio_choice(SAME_TIME_BELOW - 0.01) == 0
    assert ratio_choice(SAME_TIME_BELOW) == 1 and ratio_choice(SERIAL_FROM) == 2
    for question in QUESTIONS:
        if question.judge is quiz.judge_ratio:
            assert question.bands == RATIO_BANDS, question.prompt


def test_the_psycopg_decoding_answer_reads_as_one_sentence() -> None:
    # The reveal put the verdict after "the loop": "the loop froze the loop".
    from tui.lessons.questions_postgres import PSYCOPG_DECODES

    result = make_result("native-driver", rows=100_000, query_threads=("MainThread",))
    text = PSYCOPG_DECODES.explain([result])
    assert "the loop froze the loop" not in text and "the loop kept" not in text
    assert text.endswith(f"verdict: {result.judgement.text}")
