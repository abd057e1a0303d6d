"""The same project with startproject's seven middleware and no others."""

from mysite.settings import *
from mysite.settings import MIDDLEWARE

MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("blog.")]
