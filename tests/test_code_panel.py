"""The code panel always shows, and marks, the line that matters."""

from pathlib import Path

import pytest
from rich.console import Group
from rich.syntax import Syntax

from tests.test_app import frozen_app
from tui.lessons.keylines import KEY_CODE, key_line
from tui.lessons.patterns import BACKENDS, VIEWS_FILE, catalog
from tui.ui.widgets.pattern_detail import SourceView


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_pattern_has_a_key_line_in_its_own_code(backend: str) -> None:
    assert set(KEY_CODE) == {p.name for p in catalog(backend)}
    for pattern in catalog(backend):
        lines = pattern.source_file.read_text().splitlines()
        line = key_line(pattern)
        assert line is not None, pattern.name
        assert KEY_CODE[pattern.name] in lines[line - 1], pattern.name
        assert any(
            first <= line < first + len(code.splitlines())
            for first, code in pattern.source_parts
        ), pattern.name


def marked(source: SourceView) -> set[int]:
    shown = source.query_one("#source").content
    assert isinstance(shown, Group)
    return {
        line
        for part in shown.renderables
        if isinstance(part, Syntax)
        for line in part.highlight_lines or ()
    }


def in_view(source: SourceView, line: int) -> bool:
    """Whether ``line`` of views.py is on one of the panel's visible rows."""
    top = round(source.scroll_y)
    height = source.scrollable_content_region.height
    row = source._marked_row if source.marked_line == line else -1
    return top <= row < top + height


@pytest.mark.parametrize("size", [(160, 45), (110, 34)])
async def test_tour_step_one_shows_and_marks_the_sleep(
    demo_db: Path, monkeypatch, size: tuple[int, int]
) -> None:
    """Not the docstring above it: the line the stall will name."""
    sleep = next(
        number
        for number, text in enumerate(VIEWS_FILE.read_text().splitlines(), start=1)
        if text.strip() == "time.sleep(0.1)"
    )
    app = frozen_app(demo_db, monkeypatch)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        await pilot.pause()
        source = app.main.query_one(SourceView)
        assert source.marked_line == sleep
        assert sleep in marked(source)
        assert in_view(source, sleep)
        assert source.scrollable_content_region.height >= 3  # more than a title
