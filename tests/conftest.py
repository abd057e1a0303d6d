"""Django is configured once per test session, on a small seeded database."""

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
    from tui.app import LoopbeatApp

    monkeypatch.setattr(LoopbeatApp, "CHECK_NOISE", False)


@pytest.fixture(scope="session")
def demo_db() -> Path:
    """The session's database, seeded with ``SMALL`` on first use."""
    if not _session_db.exists():
        build_database(_session_db, SMALL)
    return _session_db


@pytest.fixture
def asgi_app(demo_db: Path):
    """Django's real ASGI handler, on the seeded database."""
    from demoapp.asgi import application

    return application
