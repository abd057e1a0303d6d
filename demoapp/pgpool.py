"""One psycopg connection pool per event loop, opened on first use.

Django has no start-up hook for the loop that serves it (its ASGI handler
refuses the lifespan protocol), so a pool is opened by the first request that
wants it, and closed by ``close_pools`` when the loop is done (the demo's
target calls it when loopbeat's bench stops).
"""

import asyncio
import weakref
from typing import Any

from psycopg_pool import AsyncConnectionPool

MAX_SIZE = 20
"""As many as the largest gather a view accepts."""

_opening: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Future[AsyncConnectionPool]]" = weakref.WeakKeyDictionary()  # noqa: E501


async def _open(params: dict[str, Any]) -> AsyncConnectionPool:
    pool = AsyncConnectionPool(
        kwargs=params, min_size=5, max_size=MAX_SIZE, open=False, name="loopbeat"
    )
    await pool.open(wait=True)
    return pool


async def pool_for_this_loop(params: dict[str, Any]) -> AsyncConnectionPool:
    """This loop's pool, opened (with five connections) the first time.

    Requests that come while it opens wait for the same opening.
    """
    loop = asyncio.get_running_loop()
    opening = _opening.get(loop)
    if opening is None or (opening.done() and opening.exception() is not None):
        opening = _opening[loop] = loop.create_task(_open(params))
    return await asyncio.shield(opening)


async def close_pools() -> None:
    """Close this loop's pool, if one was opened; safe to call at any time."""
    opening = _opening.pop(asyncio.get_running_loop(), None)
    if opening is None:
        return
    if not opening.done():
        opening.cancel()
        return
    if opening.exception() is None:
        await opening.result().close(timeout=1.0)
