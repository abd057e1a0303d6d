"""Inspect a PostgreSQL database: can the demo run on it, and if not, what to do?

Read-only: it connects (within ``dburl.CONNECT_TIMEOUT``), looks for the
demo's schema and its migrations, and counts rows if asked. Every message is
the server's own words on one line, the password masked; the fix never
holds the password either.
"""

import shlex

from demoapp.dburl import SCHEMA, URL_ENV_VAR, Database
from demoapp.health import TABLES, DatabaseStatus, committed_migrations

EXTRA = 'pip install -e ".[postgres]"'


def seed_command(database: Database, source: str) -> str:
    """The ``seed.py`` command for this database, without its password."""
    if source == URL_ENV_VAR:
        return "python seed.py"  # it reads the same variable
    shown = shlex.quote(database.masked)
    hint = " (with your password for ***)" if database.password else ""
    return f"python seed.py --database {shown}{hint}"


def connection_fix(message: str) -> str:
    """What to do about a connection the server (or the network) refused."""
    said = message.lower()
    if "password authentication failed" in said or "no password supplied" in said:
        return "check the user and password in the URL"
    if "database" in said and "does not exist" in said:
        return "create it (createdb NAME, or CREATE DATABASE), or name another"
    if "role" in said and "does not exist" in said:
        return "create the role (createuser), or use another user in the URL"
    if "timeout" in said or "refused" in said or "could not translate" in said:
        return "start the server, or correct the host and port in the URL"
    return "check the URL and the server's log"


def inspect_postgres(
    database: Database, count_rows: bool = True, source: str = "--database"
) -> DatabaseStatus:
    """Report whether the demo can run on ``database``, and what to do if not.

    ``exists`` is true once the server answered: the demo never seeds a
    server by itself (``seed.py`` does, when asked).
    """
    where = database.masked
    try:
        import psycopg
    except ImportError:
        return DatabaseStatus(where, True, "PostgreSQL needs psycopg", EXTRA)
    try:
        with psycopg.connect(**database.connect_params()) as connection:
            return _inspect_schema(connection, database, count_rows, source)
    except psycopg.Error as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        said = database.mask(" / ".join(lines) or type(error).__name__)
        return DatabaseStatus(where, True, said, connection_fix(said))


def _inspect_schema(
    connection: object, database: Database, count_rows: bool, source: str
) -> DatabaseStatus:
    execute = connection.execute  # type: ignore[attr-defined]
    where = database.masked
    seed = seed_command(database, source)
    names = {
        name
        for (name,) in execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (SCHEMA,),
        ).fetchall()
    }
    missing = [t for t in TABLES if f"demoapp_{t}" not in names]
    if missing or "django_migrations" not in names:
        return DatabaseStatus(
            where, True, f"the demo tables are missing (schema {SCHEMA})", seed
        )
    applied = {
        name
        for (name,) in execute(
            "SELECT name FROM django_migrations WHERE app = %s", ("demoapp",)
        ).fetchall()
    }
    if not committed_migrations() <= applied:
        return DatabaseStatus(
            where,
            True,
            "the schema is older than this version of loopbeat",
            seed.replace("seed.py", "seed.py --force", 1),
        )
    rows = {
        table: execute(f"SELECT count(*) FROM demoapp_{table}").fetchone()[0]
        for table in (TABLES if count_rows else ())
    }
    return DatabaseStatus(where, True, rows=rows)


def server_version(database: Database) -> str | None:
    """The server's version (``15.14``), or None when it cannot be asked."""
    try:
        import psycopg

        with psycopg.connect(**database.connect_params()) as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except Exception:  # only ever decoration for a header
        return None
    return str(row[0]).split()[0] if row else None
