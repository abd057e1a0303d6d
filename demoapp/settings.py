"""Minimal Django settings for the in-process demo app.

The database comes from ``LOOPBEAT_DATABASE_URL`` (which ``--database`` sets
before Django starts), else ``LOOPBEAT_DB``, else a per-user SQLite file: see
``demoapp.dburl``.
"""

import secrets

from demoapp.dburl import resolve_database

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

# A SQLite file or a PostgreSQL database: see demoapp.dburl.
DATABASES = {"default": resolve_database().django_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
