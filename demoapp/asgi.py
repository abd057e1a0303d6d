"""ASGI entry point: Django's real handler, which the TUI calls in-process."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demoapp.settings")

application = get_asgi_application()
