"""A throwaway PostgreSQL cluster, for CI and for the tests that stop a server.

Standard library only: ``.ci/run`` runs it with the system's ``python3``
before any virtual environment exists, and the tests import it.

    python3 tests/pgcluster.py start DIR   # prints the URL of a role and database
    python3 tests/pgcluster.py stop DIR

The cluster lives in ``DIR`` (its data, its log, its Unix socket), listens on
127.0.0.1 at a free port, and asks every client for a password (SCRAM), so a
wrong one is refused as on a real server. Run as root, the server runs as the
``postgres`` user, since PostgreSQL refuses to run as root. Nothing outside
``DIR`` is touched; ``stop`` leaves the directory for the caller to remove.
"""

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROLE = "loopbeat"
DATABASE = "loopbeat_test"
SUPERUSER = "postgres"


class ClusterError(Exception):
    """The cluster could not be made or started; the message says why."""


def find_binaries() -> Path | None:
    """PostgreSQL's server binaries: ``$PG_BINDIR``, Debian's newest, or ``PATH``."""
    chosen = os.environ.get("PG_BINDIR")
    if chosen:
        return Path(chosen)
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    """A cluster in ``root``: ``data/``, ``server.log``, its socket, its secrets."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url_file(self) -> Path:
        return self.root / "url"

    @property
    def url(self) -> str:
        """The URL of the test role and database (written by ``create``)."""
        return self.url_file.read_text().strip()

    @property
    def port(self) -> int:
        return int((self.root / "port").read_text())

    def create(self) -> str:
        """initdb, start, and make the role and database; returns their URL."""
        binaries = find_binaries()
        if binaries is None:
            raise ClusterError(
                "PostgreSQL's server binaries are not installed"
                " (Debian/Ubuntu: apt-get install postgresql)"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "bindir").write_text(str(binaries))
        superuser_password = secrets.token_urlsafe(16)
        password = secrets.token_urlsafe(16)
        pwfile = self.root / "superuser.pw"
        pwfile.write_text(superuser_password + "\n")
        self._hand_over(self.root, pwfile)
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth",
            "scram-sha-256",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
        )
        pwfile.unlink()
        (self.root / "port").write_text(str(free_port()))
        self.start()
        self._psql(
            superuser_password,
            f"CREATE ROLE {ROLE} LOGIN PASSWORD '{password}'",
            f"CREATE DATABASE {DATABASE} OWNER {ROLE}",
        )
        url = f"postgresql://{ROLE}:{password}@127.0.0.1:{self.port}/{DATABASE}"
        self.url_file.write_text(url + "\n")
        self.url_file.chmod(0o600)
        return url

    def start(self) -> None:
        """Start the server (again) on its port; waits until it accepts."""
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            # A throwaway cluster: durability is not worth the time.
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "--pgdata",
            str(self.data),
            "--log",
            str(self.root / "server.log"),
            "--options",
            options,
            "--wait",
            "start",
        )

    def stop(self) -> None:
        """Stop the server now (fast shutdown); nothing if it is not running."""
        if not (self.data / "postmaster.pid").exists():
            return
        self._run(
            "pg_ctl", "--pgdata", str(self.data), "--mode", "fast", "--wait", "stop"
        )

    def _binary(self, name: str) -> str:
        return str(Path((self.root / "bindir").read_text()) / name)

    def _as_server_user(self) -> list[str]:
        # PostgreSQL refuses to run as root: hand the work to its own user.
        return ["runuser", "-u", SUPERUSER, "--"] if os.geteuid() == 0 else []

    def _hand_over(self, *paths: Path) -> None:
        if os.geteuid() == 0:
            server = pwd.getpwnam(SUPERUSER)
            for path in paths:
                os.chown(path, server.pw_uid, server.pw_gid)

    def _run(self, name: str, *args: str) -> None:
        command = [*self._as_server_user(), self._binary(name), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            output = (done.stderr or done.stdout).strip().splitlines()
            raise ClusterError(f"{name} failed: {' / '.join(output[-3:])}")

    def _psql(self, password: str, *statements: str) -> None:
        command = [
            *self._as_server_user(),
            "env",
            f"PGPASSWORD={password}",
            self._binary("psql"),
            "--no-psqlrc",
            "--quiet",
            "--set",
            "ON_ERROR_STOP=1",
            "--host",
            str(self.root),
            "--port",
            str(self.port),
            "--username",
            SUPERUSER,
            "--dbname",
            "postgres",
        ]
        for statement in statements:
            command += ["--command", statement]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ClusterError(f"psql failed: {done.stderr.strip()}")


def main(argv: list[str]) -> int:
    """``start DIR`` (prints the URL) or ``stop DIR``."""
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: pgcluster.py start|stop DIR", file=sys.stderr)
        return 2
    cluster = Cluster(Path(argv[1]).absolute())
    try:
        if argv[0] == "start":
            print(cluster.create())
        else:
            cluster.stop()
    except ClusterError as error:
        print(f"pgcluster: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
