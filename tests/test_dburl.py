"""--database: a SQLite path or a PostgreSQL URL, and a password never shown."""

from pathlib import Path

import pytest

from demoapp.dburl import (
    MASK,
    URL_ENV_VAR,
    DatabaseURLError,
    parse_database,
    resolve_database,
)

SECRET = "s3cr:et@/?%"


def test_a_path_is_a_sqlite_file(tmp_path: Path) -> None:
    database = parse_database(str(tmp_path / "demo.sqlite3"))
    assert database.backend == "sqlite" and database.vendor == "SQLite"
    assert database.path == tmp_path / "demo.sqlite3"
    assert database.django_settings()["ENGINE"] == "django.db.backends.sqlite3"
    assert parse_database(f"sqlite://{tmp_path}/x.db").path == tmp_path / "x.db"


def test_a_postgresql_url_is_read_as_psql_reads_it() -> None:
    database = parse_database(
        "postgresql://ann:pw@db.example:6543/shop?sslmode=require"
    )
    assert (database.host, database.port, database.name, database.user) == (
        "db.example",
        6543,
        "shop",
        "ann",
    )
    params = database.connect_params()
    assert params["sslmode"] == "require" and params["password"] == "pw"
    assert params["options"] == "-c search_path=loopbeat"  # the demo's own schema
    settings = database.django_settings()
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["NAME"], settings["PORT"]) == ("shop", "6543")
    assert settings["OPTIONS"]["connect_timeout"] > 0  # never a hang


def test_sockets_ipv6_and_libpq_spellings() -> None:
    assert parse_database("postgres://u@%2Fvar%2Frun%2Fpostgresql/d").host == (
        "/var/run/postgresql"
    )
    assert parse_database("postgresql://[::1]:5433/d").host == "::1"
    assert parse_database("postgresql://[::1]:5433/d").masked.startswith(
        "postgresql://[::1]:5433"
    )
    database = parse_database("postgresql:///d?host=/tmp&port=5999&user=bo")
    assert (database.host, database.port, database.user) == ("/tmp", 5999, "bo")


def test_the_password_is_masked_everywhere_it_could_show() -> None:
    from urllib.parse import quote

    url = f"postgresql://ann:{quote(SECRET, safe='')}@h:5432/d"
    database = parse_database(url)
    assert database.password == SECRET
    for shown in (database.masked, repr(database), database.label):
        assert SECRET not in shown and quote(SECRET, safe="") not in shown
    assert database.masked == f"postgresql://ann:{MASK}@h:5432/d"
    said = f'FATAL: password "{SECRET}" is wrong'
    assert SECRET not in database.mask(said)
    # What goes to the environment reads back as the same database.
    assert parse_database(database.url) == database


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:p@h/d", "mysql:// is not a database loopbeat runs on"),
        ("postgresql://u:p@h:5432/", "names no database"),
        ("postgresql://u:p@h:port/d", "port is not a number"),
    ],
)
def test_a_url_loopbeat_cannot_use_is_said(url: str, message: str) -> None:
    with pytest.raises(DatabaseURLError, match=message) as raised:
        parse_database(url)
    assert ":p@" not in str(raised.value)


def test_the_environment_names_the_database(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv(URL_ENV_VAR, "postgresql://u@h/envdb")
    assert resolve_database().name == "envdb"
    assert resolve_database(str(tmp_path / "f.db")).backend == "sqlite"  # flag wins
    monkeypatch.delenv(URL_ENV_VAR)
    monkeypatch.setenv("LOOPBEAT_DB", str(tmp_path / "old.db"))
    assert resolve_database().path == tmp_path / "old.db"


def test_a_postgresql_url_without_the_extra_names_the_extra(monkeypatch) -> None:
    import builtins

    from demoapp.pghealth import inspect_postgres

    real_import = builtins.__import__

    def no_psycopg(name, *args, **kwargs):
        if name.startswith("psycopg"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_psycopg)
    status = inspect_postgres(parse_database("postgresql://u:p@h/d"))
    assert not status.ready and status.fix == 'pip install -e ".[postgres]"'
