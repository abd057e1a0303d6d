"""A settings module that does not import, as a typo makes one."""

from mysite.settings import *

INSTALLED_APPS += ["no_such_app"]
raise_here = undefined_name
