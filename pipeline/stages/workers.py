"""Pure CPU work spread over the cores by forked workers, results in order.

Both `extract` and `parse --all` turn stored data into records with pure functions
that take milliseconds an item; two cores halve that. Workers are forked, so they
inherit the function (a bound method with compiled vocabularies, say) and nothing but
the items and results is pickled. The items are produced in the calling thread, at
most a few ahead of the results, so a generator that reads SQLite stays in the thread
that owns the connection and memory stays bounded.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_FUNCTION: Callable[[Any], Any] | None = None  # what the forked workers inherit


def worker_count(items: int, parallel_from: int) -> int:
    """How many workers pay off for `items` items: one below `parallel_from`."""
    return min(os.cpu_count() or 1, 4) if items >= parallel_from else 1


def forked_map(
    function: Callable[[Any], Any], items: Iterable[Any], *, workers: int
) -> Iterator[Any]:
    """`map(function, items)` in order, over `workers` forked processes when > 1."""
    if workers <= 1:
        yield from map(function, items)
        return
    global _FUNCTION
    _FUNCTION = function
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending: deque = deque()
            for item in items:
                pending.append(pool.apply_async(_call, (item,)))
                if len(pending) > 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _FUNCTION = None


def _call(item: Any) -> Any:
    assert _FUNCTION is not None
    return _FUNCTION(item)
