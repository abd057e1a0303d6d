"""The demo's lessons: its catalog of patterns, the tour, the quiz, the demo target.

What only the talk needs, built on the engine: which views to fire and what
each teaches, the guided tour and its script, the predict-then-run quiz.
"""
