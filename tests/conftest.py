"""Django is configured once per test session, on a small seeded database."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from demoapp.bootstrap import configure_django
from demoapp.seeding import SeedSizes, build_database

SMALL = SeedSizes(authors=300, books=60_000, reviews=30_000, seed=7)
_session_db = Path(tempfile.mkdtemp(prefix="loopbeat-tests-")) / "demo.sqlite3"


def pytest_configure(config: pytest.Config) -> None:
    configure_django(_session_db)


@pytest.fixture(autouse=True)
def no_noise_check_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's start-up noise check runs control runs of its own, which
    would overlap a test's; ``test_noise.py`` turns it back on."""
    from tui.ui.app import LoopbeatApp

    monkeypatch.setattr(LoopbeatApp, "CHECK_NOISE", False)


@pytest.fixture(scope="session")
def demo_db() -> Path:
    """The session's database, seeded with ``SMALL`` on first use."""
    if not _session_db.exists():
        build_database(_session_db, SMALL)
    return _session_db


@pytest.fixture(scope="session")
def postgres_demo() -> str:
    """The test server's URL, seeded once with ``SMALL``, as ``demo_db`` is.

    Skips (fails in CI) without a server: see ``tests/postgres.py``.
    """
    from tests.postgres import seed, server_url

    url = server_url()
    sizes = [
        f"--{name}={getattr(SMALL, name)}" for name in ("authors", "books", "reviews")
    ]
    done = seed(url, *sizes, f"--seed={SMALL.seed}", "--force")
    if done.returncode != 0:
        pytest.fail(f"seeding PostgreSQL failed: {done.stderr.strip()}", pytrace=False)
    return url


@pytest.fixture
def asgi_app(demo_db: Path):
    """Django's real ASGI handler, on the seeded database."""
    from demoapp.asgi import application

    return application


@pytest.fixture
def demo(demo_db: Path):
    """The demo as a target, on the session's database."""
    from tui.lessons.demo import demo_target

    return demo_target(demo_db)


@pytest.fixture
def recorded_app(asgi_app, demo):
    """Django's handler inside loopbeat's wrapper, with the engine's hooks in."""
    from tui.engine.hooks import EngineHooks
    from tui.engine.wrapper import RecordingApp
    from tui.instrument.framenames import FrameNames

    hooks = EngineHooks(FrameNames([str(demo.project_root)]))
    hooks.install()
    try:
        yield RecordingApp(asgi_app)
    finally:
        hooks.uninstall()


async def send(app, url: str, latency_ms: float = 0.0):
    """One GET through ``app`` with a recorder: (the response, its record)."""
    from tui.engine.inprocess import get
    from tui.engine.record import RequestRecorder
    from tui.engine.wrapper import EXTENSION

    recorder = RequestRecorder(latency_ms / 1000)
    response = await get(app, url, extensions={EXTENSION: recorder})
    return response, recorder.freeze()


def demo_client(app, monitor, probe=None):
    """A ``RunClient`` that reads rows as the demo target does."""
    from tui.engine.client import RunClient
    from tui.lessons.demo import rows_in_answer

    return RunClient(app, monitor, probe, rows_from=rows_in_answer)


MYSITE = Path(__file__).resolve().parent / "projects" / "mysite"
"""A Django project written as real ones are, to run loopbeat on."""


@pytest.fixture(scope="session")
def mysite_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture project's database, migrated and seeded once."""
    db = tmp_path_factory.mktemp("mysite") / "mysite.sqlite3"
    env = {
        **os.environ,
        "MYSITE_DB": str(db),
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
    }
    for command in (["migrate", "-v0"], ["seed_posts", "--count", "300"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=MYSITE,
            env=env,
            check=True,
            capture_output=True,
        )
    return db
