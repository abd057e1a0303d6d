"""The Django demo app that loopbeat drives: a small library of authors, books
and reviews, one view per fetch pattern, and a fast deterministic seeder."""
