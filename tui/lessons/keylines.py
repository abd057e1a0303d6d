"""The line of each pattern's code that its point is about.

The code panel shows and marks it (``❱``) until a run's stall names another
line: ``time.sleep(0.1)`` rather than the docstring above it. Each line is
found by a piece of its code, in the source read from the view's module,
so it follows the file as it changes; a test checks every piece is found.
"""

from tui.lessons.patterns import Pattern

KEY_CODE = {
    "sleep-block": "time.sleep(0.1)",
    "sleep-await": "await asyncio.sleep(0.1)",
    "sync-guarded": "list(Book.objects.all())",
    "sync-unguarded": "list(Book.objects.all())",
    "async-for": "async for book in Book.objects.all()",
    "async-stream": ".aiterator(chunk_size=",
    "async-get-count": "await Book.objects.acount()",
    "sync-to-async": "await sync_to_async(fetch_all_books)()",
    "sync-view": "list(Book.objects.all())",
    "native-driver": "await cursor.fetchall()",
    "n-plus-one": "await Author.objects.aget(",
    "prefetched": ".prefetch_related(",
    "gather-orm": "await asyncio.gather(",
    "gather-native": "await asyncio.gather(",
    # fetchmany(2000) on SQLite, stream(..., size=2000) on PostgreSQL.
    "native-chunked": "2000):",
    "gather-shared": "await asyncio.gather(",
}
"""A piece of the key line's code, by pattern name."""


def key_line(pattern: Pattern) -> int | None:
    """The line of the view's file the pattern's point is about, if known.

    The view is searched before its helpers: it is what the key runs.
    """
    code = KEY_CODE.get(pattern.name)
    if code is None:
        return None
    parts = pattern.source_parts
    for first, source in (parts[-1], *parts[:-1]):
        lines = source.splitlines()
        skip = _docstring_rows(lines)
        for offset, text in enumerate(lines):
            if code in text and offset not in skip:
                return first + offset
    return None


def _docstring_rows(lines: list[str]) -> set[int]:
    """The rows of a function's docstring: it may quote the code it is about."""
    for start, text in enumerate(lines):
        stripped = text.strip()
        if stripped.startswith(("def ", "async def ", "@")) or not stripped:
            continue
        if not stripped.startswith('"""'):
            return set()
        if stripped.count('"""') >= 2:
            return {start}
        end = next(
            (i for i in range(start + 1, len(lines)) if '"""' in lines[i]), start
        )
        return set(range(start, end + 1))
    return set()
