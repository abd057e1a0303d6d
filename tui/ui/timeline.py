"""Bucket a stream of timed values into graph columns: pure, no UI.

Each column holds the largest value seen in its slice of time. A value can
cover a span: a tick that arrives 750 ms late means the loop was stuck for
the whole 750 ms before it, so every column of that span shows 750 ms, and a
freeze is drawn as wide as it lasted, not as one thin line at its end.
"""

import math
from collections import deque


class Timeline:
    """Per-column maxima over a sliding stretch of time.

    Args:
        column_seconds: how much time one column covers.
        columns: how many columns to keep (older ones are dropped).
    """

    def __init__(self, column_seconds: float = 0.25, columns: int = 400) -> None:
        self.column_seconds = column_seconds
        self.capacity = columns
        self._columns: deque[tuple[int, float]] = deque()

    def _index(self, t: float) -> int:
        return math.floor(t / self.column_seconds)

    def add(self, t: float, value: float, span: float = 0.0) -> None:
        """Record ``value`` at time ``t``, covering ``[t - span, t]``."""
        first, last = self._index(t - span), self._index(t)
        first = max(first, last - self.capacity + 1)
        for index in range(first, last + 1):
            self._raise(index, value)

    def _raise(self, index: int, value: float) -> None:
        columns = self._columns
        if columns and index <= columns[-1][0]:
            # Usually the newest column; otherwise search back (rare: spans).
            for position in range(len(columns) - 1, -1, -1):
                current, best = columns[position]
                if current == index:
                    if value > best:
                        columns[position] = (index, value)
                    return
                if current < index:
                    columns.insert(position + 1, (index, value))
                    break
            else:
                columns.appendleft((index, value))
        else:
            columns.append((index, value))
        while len(columns) > self.capacity:
            columns.popleft()

    def values(self, now: float, count: int) -> list[float | None]:
        """The last ``count`` columns up to ``now``, oldest first; None where empty."""
        newest = self._index(now)
        by_index = dict(self._columns)
        return [by_index.get(newest - count + 1 + i) for i in range(count)]

    def clear(self) -> None:
        """Forget everything."""
        self._columns.clear()
