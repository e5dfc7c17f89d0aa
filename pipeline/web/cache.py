"""Reads reused until the database file changes, for the pages' expensive, shared parts.

Filter choices, the overview and the per-query totals are the same for every visitor
until cron writes to the archive, so they are kept per database file and thrown away
when its size or modification time (WAL included) changes. Bounded: when full, the
oldest entry goes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from typing import Any

ENTRIES = 256

_entries: dict[tuple, tuple[tuple, Any]] = {}


def file_state(path: str) -> tuple:
    """Changes whenever anything is written to the database (WAL included)."""
    state = []
    for name in (path, path + "-wal"):
        try:
            st = os.stat(name)
            state.append((st.st_mtime_ns, st.st_size))
        except OSError:
            state.append(None)
    return tuple(state)


async def cached(db: Any, key: Hashable, read: Callable[[Any], Any]) -> Any:
    """`read(conn)` run in Datasette's SQL thread for `db`, or its result for `key` from
    an earlier call if the file has not changed since."""
    state = file_state(db.path)
    hit = _entries.get((db.path, key))
    if hit and hit[0] == state:
        return hit[1]
    value = await db.execute_fn(read)
    if len(_entries) >= ENTRIES:
        del _entries[next(iter(_entries))]
    _entries[(db.path, key)] = (state, value)
    return value
