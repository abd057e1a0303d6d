from django.apps import AppConfig


class DemoAppConfig(AppConfig):
    """The demo library: authors, books and reviews."""

    name = "demoapp"
    verbose_name = "loopbeat demo library"
    default_auto_field = "django.db.models.BigAutoField"
