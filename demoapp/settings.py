"""Minimal Django settings for the in-process demo app.

The database path comes from ``LOOPBEAT_DB`` (which ``--db`` sets before Django
starts), else a per-user default: see ``demoapp.dbpath``.
"""

import secrets

from demoapp.dbpath import resolve_db_path

# Generated per process: nothing signed by this app outlives the process, and a
# committed key would be a secret in the repository.
SECRET_KEY = secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["loopbeat", "localhost", "testserver"]

INSTALLED_APPS = ["demoapp.apps.DemoAppConfig"]
# None: every middleware is a layer between the request and the view, and
# the demo shows the view's own cost alone. Your project's middleware, and
# the thread hops it adds, is what `--settings` lets you measure.
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "demoapp.urls"
ASGI_APPLICATION = "demoapp.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(resolve_db_path()),
        # Persistent connections leak under ASGI (never reused), so keep Django's
        # default of closing them at the end of each request.
        "CONN_MAX_AGE": 0,
        # A locked database fails a request after 2 s instead of hanging it.
        "OPTIONS": {"timeout": 2},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
