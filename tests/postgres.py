"""PostgreSQL for the tests: the server CI starts, or a cluster of a test's own.

The tests that need a server read its URL from ``LOOPBEAT_TEST_DATABASE_URL``
(``bash .ci/run`` starts a throwaway cluster and sets it). Without it they
skip, saying how to run them; in CI (``CI=true``) a skip is a failure, so a
server that did not start cannot pass as a green run.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.pgcluster import Cluster, ClusterError, find_binaries

URL_VARIABLE = "LOOPBEAT_TEST_DATABASE_URL"
ROOT = Path(__file__).resolve().parent.parent
HOW = (
    f"set {URL_VARIABLE}=postgresql://USER:PASSWORD@HOST:PORT/DB (a database the"
    " tests may fill), or run bash .ci/run, which starts a throwaway server"
)


def unavailable(reason: str) -> None:
    """Skip, saying how to run it; fail instead in CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"in CI a PostgreSQL test must run: {reason}", pytrace=False)
    pytest.skip(reason)


def server_url() -> str:
    """The test server's URL, or a skip (a failure in CI) saying how to get one."""
    url = os.environ.get(URL_VARIABLE)
    if not url:
        unavailable(f"needs a PostgreSQL server: {HOW}")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable('needs psycopg: pip install -e ".[test]"')
    return str(url)


def own_cluster() -> Cluster:
    """A cluster of the test's own, for faults no shared server should suffer
    (stopping it): its binaries, or a skip (a failure in CI).

    In a directory of its own under the system's temporary directory, which
    the ``postgres`` user can reach (pytest's, under root, it cannot). The
    caller stops it and removes ``cluster.root``.
    """
    if find_binaries() is None:
        unavailable(
            "needs PostgreSQL's server binaries to start a cluster of its own"
            " (Debian/Ubuntu: apt-get install postgresql)"
        )
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="loopbeat-pg-", dir="/tmp")))
    try:
        cluster.create()
    except ClusterError as error:
        unavailable(f"could not start a PostgreSQL cluster: {error}")
    return cluster


def seed(url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``seed.py --database URL ARGS`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "seed.py", "--database", url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def loopbeat(url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m tui --database URL ARGS`` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "tui", "--database", url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
