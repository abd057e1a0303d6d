"""A settings module that does not import, as a typo makes one."""

from mysite.settings import *  # noqa: F403

INSTALLED_APPS += ["no_such_app"]
raise_here = undefined_name  # noqa: F821
