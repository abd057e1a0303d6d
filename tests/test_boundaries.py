"""The layering rules, checked on every module's imports.

``tui`` is built in layers, each a folder, each importing only those below:

    instrument  <  engine  <  lessons  <  output  <  plugin  <  ui  <  the entry

* The instrument uses the standard library and itself only: no Django, no
  Textual, nothing of the layers above.
* The engine imports no Textual, no demoapp, and nothing above it.
* Only the UI imports Textual.
* Only the entry point (``tui/cli.py``) and the demo target
  (``tui/lessons/demo.py``) know ``demoapp`` by name.
* ``demoapp`` knows nothing of loopbeat.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUI = ROOT / "tui"
LAYERS = ("instrument", "engine", "lessons", "output", "plugin", "ui")
"""From the bottom up."""
ENTRY = {
    TUI / name
    for name in (
        "__init__.py",
        "__main__.py",
        "cli.py",
        "cli_args.py",
        "cli_demo.py",
        "cli_live.py",
        "cli_project.py",
        "leaving.py",
    )
}
"""The entry point: the command line, split by role, above every layer."""
DEMO_KNOWERS = {
    TUI / "cli.py",
    TUI / "cli_args.py",
    TUI / "cli_demo.py",
    TUI / "lessons" / "demo.py",
}
"""The only modules that know the demo by name: the entry point (its demo
side) and its target."""
ALL_TUI = sorted(TUI.rglob("*.py"))
DEMOAPP = sorted((ROOT / "demoapp").rglob("*.py"))


def layer_of(path: Path) -> str | None:
    if not path.is_relative_to(TUI):
        return None
    parts = path.relative_to(TUI).parts
    return parts[0] if len(parts) > 1 and parts[0] in LAYERS else None


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "tui":  # from tui import engine
                names.update(f"tui.{alias.name}" for alias in node.names)
    return names


def tops(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_module_is_in_a_layer_or_the_entry() -> None:
    # A module dropped at the top would escape every rule below.
    loose = [rel(p) for p in ALL_TUI if layer_of(p) is None and p not in ENTRY]
    assert not loose
    assert all((TUI / layer / "__init__.py").exists() for layer in LAYERS)
    assert len(ALL_TUI) > 40 and len(DEMOAPP) > 10


@pytest.mark.parametrize("path", ALL_TUI, ids=rel)
def test_each_layer_imports_only_the_layers_below(path: Path) -> None:
    layer = layer_of(path)
    if layer is None:
        return
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    used = {
        name.split(".")[1]
        for name in imported_modules(path)
        if name.startswith("tui.") and name.count(".") >= 1
    }
    assert used <= allowed | {"leaving"} if layer == "ui" else used <= allowed


@pytest.mark.parametrize("path", ALL_TUI + DEMOAPP, ids=rel)
def test_only_the_ui_imports_textual(path: Path) -> None:
    if layer_of(path) != "ui":
        assert "textual" not in tops(path)


@pytest.mark.parametrize("path", ALL_TUI, ids=rel)
def test_only_the_entry_and_the_demo_target_import_demoapp(path: Path) -> None:
    if path not in DEMO_KNOWERS:
        assert "demoapp" not in tops(path)


@pytest.mark.parametrize("path", DEMOAPP, ids=rel)
def test_demoapp_never_imports_loopbeat(path: Path) -> None:
    assert not tops(path) & {"tui", "textual"}


@pytest.mark.parametrize("path", sorted((TUI / "instrument").glob("*.py")), ids=rel)
def test_the_instrument_uses_only_the_standard_library(path: Path) -> None:
    outside = {
        m.split(".")[0]
        for m in imported_modules(path)
        if not m.startswith("tui.instrument")
    }
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
