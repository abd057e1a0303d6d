"""One URL per fetch pattern; the TUI's catalog refers to these names.

The native-driver URLs go to the backend's own driver: aiosqlite on SQLite,
psycopg's async connections on PostgreSQL.
"""

from django.db import connection
from django.urls import path

from demoapp import views

if connection.vendor == "postgresql":
    from demoapp import native_postgres as native
else:
    from demoapp import native_sqlite as native  # type: ignore[no-redef]

urlpatterns = [
    path("ping", views.ping, name="ping"),
    path("sync/guarded", views.sync_orm_guarded, name="sync_orm_guarded"),
    path("sync/unguarded", views.sync_orm_unguarded, name="sync_orm_unguarded"),
    path("async/iterate", views.async_orm_iterate, name="async_orm_iterate"),
    path("async/stream", views.async_orm_stream, name="async_orm_stream"),
    path("async/get-count", views.async_orm_get_count, name="async_orm_get_count"),
    path("async/sync-to-async", views.sync_to_async_fetch, name="sync_to_async"),
    path("sync/view", views.sync_view, name="sync_view"),
    path("native", native.native_driver, name="native_driver"),
    path("native/chunked", native.native_chunked, name="native_chunked"),
    path("n-plus-one", views.n_plus_one, name="n_plus_one"),
    path("prefetched", views.prefetched, name="prefetched"),
    path("gather/orm", views.gather_orm, name="gather_orm"),
    path("gather/native", native.gather_native, name="gather_native"),
    path("gather/shared", native.gather_shared, name="gather_shared"),
    path("calibrate/time-sleep", views.blocking_sleep, name="blocking_sleep"),
    path("calibrate/asyncio-sleep", views.async_sleep, name="async_sleep"),
]
