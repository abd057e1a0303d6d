"""The same project with no middleware at all."""

from mysite.settings import *  # noqa: F403

MIDDLEWARE: list[str] = []
