"""The same project with no middleware at all."""

from mysite.settings import *

MIDDLEWARE: list[str] = []
