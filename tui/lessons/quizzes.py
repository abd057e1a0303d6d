"""The quiz for each database the demo runs on.

A module of its own so that the SQLite questions (``questions``) and the
PostgreSQL ones (``questions_postgres``, which reuse some of them) do not
import each other.
"""

from tui.lessons.patterns import SQLITE
from tui.lessons.questions import QUESTIONS
from tui.lessons.questions_postgres import postgres_questions
from tui.lessons.quiz import Question


def questions_for(backend: str = SQLITE) -> tuple[Question, ...]:
    """The quiz for the demo's database: its catalog's runs, its driver's questions."""
    if backend == SQLITE:
        return QUESTIONS
    return postgres_questions()
