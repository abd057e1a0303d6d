"""DEBUG off and no ALLOWED_HOSTS: Django refuses every request."""

from mysite.settings import *

DEBUG = False
ALLOWED_HOSTS: list[str] = []
