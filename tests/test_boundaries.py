"""The layering rules, checked on every module's imports.

* Only the UI modules import Textual.
* Only the engine entry (``tui/bench.py``) and the command line import
  ``demoapp``; the rest of ``tui`` reaches Django only through them.
* ``demoapp`` and the measuring code import neither Textual nor the UI, and
  the measuring code nothing outside the standard library but itself.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUI = ROOT / "tui"
UI = {
    TUI / "app.py",
    TUI / "commands.py",
    TUI / "desk.py",
    TUI / "eventlog.py",
    TUI / "messages.py",
    TUI / "themes.py",
    *(TUI / "screens").glob("*.py"),
    *(TUI / "widgets").glob("*.py"),
}
ENGINE_ENTRIES = {TUI / "cli.py", TUI / "demo_target.py"}
"""The only modules that know the demo by name: the entry point and its target."""
MEASURING = {
    TUI / name
    for name in (
        "archive.py",
        "culprits.py",
        "framenames.py",
        "heartbeat.py",
        "loophistory.py",
        "loopstats.py",
        "owners.py",
        "stalls.py",
        "stallsplit.py",
        "stops.py",
        "threadtimes.py",
    )
}
ALL_TUI = sorted(TUI.rglob("*.py"))
DEMOAPP = sorted((ROOT / "demoapp").rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def tops(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_module_lists_are_not_empty() -> None:
    # A typo in a path would make every check below pass vacuously.
    for path in (*UI, *ENGINE_ENTRIES, *MEASURING):
        assert path.exists(), path
    assert len(ALL_TUI) > 20 and len(DEMOAPP) > 10


@pytest.mark.parametrize("path", ALL_TUI + DEMOAPP, ids=rel)
def test_only_the_ui_imports_textual(path: Path) -> None:
    if path not in UI:
        assert "textual" not in tops(path)


@pytest.mark.parametrize("path", ALL_TUI, ids=rel)
def test_only_the_engine_entry_and_the_cli_import_demoapp(path: Path) -> None:
    if path not in ENGINE_ENTRIES:
        assert "demoapp" not in tops(path)


@pytest.mark.parametrize("path", DEMOAPP, ids=rel)
def test_demoapp_never_imports_loopbeat(path: Path) -> None:
    assert not tops(path) & {"tui", "textual"}


@pytest.mark.parametrize("path", sorted(MEASURING), ids=rel)
def test_the_measuring_code_uses_only_the_standard_library(path: Path) -> None:
    measuring = {f"tui.{p.stem}" for p in MEASURING}
    outside = {m.split(".")[0] for m in imported_modules(path) - measuring}
    assert outside <= sys.stdlib_module_names


def test_running_the_views_loads_no_textual(demo_db: Path) -> None:
    code = (
        "import sys; from pathlib import Path;"
        "from demoapp.bootstrap import configure_django;"
        f"configure_django(Path({str(demo_db)!r}));"
        "import demoapp.asgi, demoapp.views, demoapp.seed_cli;"
        "print(sorted(m for m in sys.modules if m.startswith('textual')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
