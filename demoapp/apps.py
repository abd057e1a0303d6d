from django.apps import AppConfig


class DemoAppConfig(AppConfig):
    """Hooks the simulated network latency and query recorder into every
    database connection Django opens."""

    name = "demoapp"
    verbose_name = "loopbeat demo library"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from demoapp import netsim

        connection_created.connect(netsim.on_django_connection_created)
        netsim.count_thread_hops()
