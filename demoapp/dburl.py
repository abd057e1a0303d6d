"""Which database the demo runs on: a SQLite file or a PostgreSQL server.

``--database`` (or ``$LOOPBEAT_DATABASE_URL``) takes a SQLite path or a
``postgresql://`` URL. A URL's password is kept out of every text this
module makes: ``Database.masked`` is what the header, the reports and the
exports print, and ``mask`` strips it from any message a driver returns.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from demoapp.dbpath import ENV_VAR as PATH_ENV_VAR
from demoapp.dbpath import resolve_db_path

URL_ENV_VAR = "LOOPBEAT_DATABASE_URL"
POSTGRES_SCHEMES = ("postgresql", "postgres")
SCHEMA = "loopbeat"
"""The PostgreSQL schema the demo's tables live in: a database given to the
demo may hold tables of its own in ``public``, which the demo never touches."""
CONNECT_TIMEOUT = 3
"""Seconds to wait for a PostgreSQL server before saying it cannot be reached."""
MASK = "***"


class DatabaseURLError(ValueError):
    """A ``--database`` value that names no database loopbeat can use."""


@dataclass(frozen=True)
class Database:
    """A database the demo can run on.

    Attributes:
        backend: ``"sqlite"`` or ``"postgresql"``.
        path: The SQLite file (SQLite only).
        host, port, name, user: Where the PostgreSQL database is (a host
            starting with ``/`` is a Unix socket directory).
        password: Never in ``repr``, ``masked`` or any message.
        options: Further libpq parameters from the URL's query (``sslmode``...).
    """

    backend: str
    path: Path | None = None
    host: str = ""
    port: int | None = None
    name: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    options: tuple[tuple[str, str], ...] = ()

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    @property
    def vendor(self) -> str:
        """The backend as people write it: ``SQLite`` or ``PostgreSQL``."""
        return "PostgreSQL" if self.is_postgres else "SQLite"

    @property
    def masked(self) -> str:
        """Where the database is, password masked: safe to print and to write."""
        if not self.is_postgres:
            return str(self.path)
        user = self.user + (f":{MASK}" if self.password else "")
        host = f"[{self.host}]" if ":" in self.host else self.host
        where = host + (f":{self.port}" if self.port else "")
        query = "&".join(f"{key}={value}" for key, value in self.options)
        at = f"{user}@" if user else ""
        return f"postgresql://{at}{where}/{self.name}" + (f"?{query}" if query else "")

    @property
    def label(self) -> str:
        """A few words for a header: the file's name, or the database and host."""
        if not self.is_postgres:
            return self.path.name if self.path else ""
        return f"{self.name} on {self.host or 'localhost'}"

    @property
    def url(self) -> str:
        """The value ``parse_database`` reads back: for the environment of the
        process that runs Django, never for printing (it holds the password)."""
        if not self.is_postgres:
            return str(self.path)
        secret = quote(self.password, safe="") if self.password else ""
        return self.masked.replace(f":{MASK}@", f":{secret}@", 1)

    def mask(self, text: str) -> str:
        """``text`` with the password replaced, wherever a driver echoed it."""
        return text.replace(self.password, MASK) if self.password else text

    def connect_params(self, schema: str = SCHEMA) -> dict[str, Any]:
        """psycopg's connection parameters, the tables found in ``schema``."""
        params: dict[str, Any] = {
            "dbname": self.name,
            "connect_timeout": CONNECT_TIMEOUT,
            "application_name": "loopbeat",
            "options": f"-c search_path={schema}",
        }
        for key, value in (
            ("host", self.host),
            ("port", self.port),
            ("user", self.user),
            ("password", self.password),
        ):
            if value:
                params[key] = value
        params.update(self.options)
        return params

    def django_settings(self, schema: str = SCHEMA) -> dict[str, Any]:
        """The ``DATABASES["default"]`` entry for this database."""
        common = {
            # Persistent connections leak under ASGI (never reused), so keep
            # Django's default of closing them at the end of each request.
            "CONN_MAX_AGE": 0,
        }
        if not self.is_postgres:
            return {
                **common,
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(self.path),
                # A locked database fails a request after 2 s instead of hanging it.
                "OPTIONS": {"timeout": 2},
            }
        params = self.connect_params(schema)
        return {
            **common,
            "ENGINE": "django.db.backends.postgresql",
            "NAME": params.pop("dbname"),
            "USER": params.pop("user", ""),
            "PASSWORD": params.pop("password", ""),
            "HOST": params.pop("host", ""),
            "PORT": str(params.pop("port", "")),
            "OPTIONS": params,
        }


def parse_database(text: str) -> Database:
    """A ``--database`` value: a ``postgresql://`` URL, else a SQLite path.

    Raises:
        DatabaseURLError: a URL of another scheme, or one that names no
            database; the message never holds the password.
        OSError: a relative path, and the current directory is gone.
    """
    scheme, separator, rest = text.partition("://")
    if not separator:
        return Database("sqlite", path=resolve_db_path(text))
    scheme = scheme.lower()
    if scheme == "sqlite":
        return Database("sqlite", path=resolve_db_path(unquote(rest) or None))
    if scheme not in POSTGRES_SCHEMES:
        raise DatabaseURLError(
            f"{scheme}:// is not a database loopbeat runs on;"
            " give a SQLite file path or a postgresql:// URL"
        )
    return _postgres(rest)


def _postgres(rest: str) -> Database:
    location, _, query = rest.partition("?")
    authority, _, name = location.partition("/")
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        userinfo, hostport = "", authority
    user, _, password = userinfo.partition(":")
    host, port = _host_and_port(hostport)
    options = tuple(parse_qsl(query, keep_blank_values=True))
    named = dict(options)
    # libpq's own spellings in the query win, as they do for psql.
    host = named.pop("host", host)
    port = int(named.pop("port")) if named.get("port", "").isdigit() else port
    user = named.pop("user", unquote(user))
    password = named.pop("password", unquote(password))
    name = named.pop("dbname", unquote(name))
    if not name:
        raise DatabaseURLError(
            "the URL names no database: postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    return Database(
        "postgresql",
        host=host,
        port=port,
        name=name,
        user=user,
        password=password,
        options=tuple(named.items()),
    )


def _host_and_port(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):  # an IPv6 address: [::1]:5432
        host, _, after = hostport[1:].partition("]")
        port_text = after.removeprefix(":")
    else:
        host, _, port_text = hostport.partition(":")
    if port_text and not port_text.isdigit():
        raise DatabaseURLError(f"the URL's port is not a number: {port_text!r}")
    return unquote(host), int(port_text) if port_text else None


def database_source(cli_value: str | None = None) -> str:
    """Where ``resolve_database`` found its value: a flag or an environment variable."""
    if cli_value:
        return "--database"
    for name in (URL_ENV_VAR, PATH_ENV_VAR):
        if os.environ.get(name):
            return name
    return "default"


def resolve_database(cli_value: str | None = None) -> Database:
    """``--database``, else ``$LOOPBEAT_DATABASE_URL``, else ``$LOOPBEAT_DB``, else
    the per-user SQLite file.

    Raises:
        DatabaseURLError: the value names no database loopbeat runs on.
        OSError: a relative path, and the current directory is gone.
    """
    chosen = cli_value or os.environ.get(URL_ENV_VAR)
    if chosen:
        return parse_database(chosen)
    return Database("sqlite", path=resolve_db_path())
