"""The layering rules: Django code and the heartbeat never import the UI."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI_FREE = [*sorted((ROOT / "demoapp").rglob("*.py")), ROOT / "seed.py"]
UI_FREE += [ROOT / "tui" / "heartbeat.py", ROOT / "tui" / "loopstats.py"]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", UI_FREE, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_does_not_import_textual(path: Path) -> None:
    textual = {m for m in imported_modules(path) if m.split(".")[0] == "textual"}
    assert not textual


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
