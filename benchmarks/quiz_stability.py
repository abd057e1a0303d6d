"""Quiz stability: every question answered many times, quiet and with CPU hogs.

Run: ``python benchmarks/quiz_stability.py [--rounds 16] [--hogs 0,1] [--db PATH]
[--questions N] [--quick]`` (``--quick``: one round of the first two questions,
no hog).

Each round puts every question of the quiz to a headless ``Bench``: its runs
are made as the app makes them (``Question.runs``, in order) and judged by
``QuizRound.record``. Printed per question and condition: how often each
answer came out ("too close" is an answer too: an honest one counts as
stable only if it is the same every time). Target: every answer the same in
16 of 16 rounds, with and without a hog.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verdict_stability import hogs


async def ask(db: Path, rounds: int, count: int) -> dict[str, Counter[str]]:
    from tui.engine.bench import Bench
    from tui.lessons.demo import demo_target
    from tui.lessons.questions import QUESTIONS
    from tui.lessons.quiz import CannotJudge, QuizRound

    questions = QUESTIONS[:count]
    answers: dict[str, Counter[str]] = {q.topic: Counter() for q in questions}
    async with Bench(demo_target(db), window=3600) as bench:
        await asyncio.sleep(0.2)
        for _ in range(rounds):
            for question in questions:
                results = [await bench.run_now(spec) for spec in question.runs]
                quiz_round = QuizRound(question)
                try:
                    answer = quiz_round.record(results)
                except CannotJudge as error:
                    outcome = f"cannot judge: {error}"
                else:
                    outcome = (
                        "too close to call"
                        if answer is None
                        else question.choices[answer]
                    )
                answers[question.topic][outcome] += 1
                await asyncio.sleep(0.1)
    return answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--hogs", default="0,1")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--questions", type=int, default=99, help="the first N")
    parser.add_argument(
        "--quick", action="store_true", help="two questions once: proves it runs (CI)"
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.hogs, args.questions = 1, "0", 2
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from demoapp.bootstrap import configure_django
    from tui.cli_demo import prepare_database

    db = args.db or Path(
        os.environ.get("LOOPBEAT_DB") or tempfile.mkdtemp() + "/bench.sqlite3"
    )
    if problem := prepare_database(db):
        raise SystemExit(problem)
    configure_django(db)
    print(f"{args.rounds} rounds of every question; database {db}")
    every_stable = True
    for count in (int(n) for n in args.hogs.split(",")):
        started = time.monotonic()
        with hogs(count):
            answers = asyncio.run(ask(db, args.rounds, args.questions))
        print(f"\n{count} CPU hog(s) ({time.monotonic() - started:.0f} s)")
        for topic, outcomes in answers.items():
            stable = len(outcomes) == 1
            every_stable &= stable
            said = "; ".join(f"{n}x {answer}" for answer, n in outcomes.most_common())
            print(f"  {'' if stable else 'UNSTABLE '}{topic}: {said}")
    print(
        f"\nevery answer the same in every round: {'PASS' if every_stable else 'MISS'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
