"""Answers of the routes' store reads, reused while the tables they read are unchanged.

The dashboard asks the same questions over and over (every open page reloads its queries every
few seconds), while the tables behind most of them change only when a trade closes. A route
reads the writer's ``committed_version`` of the record kinds it depends on *before* reading, and
the answer is kept under that version: a later request with the same key and version gets it
without a query or a worker-thread hop. A commit of one of those kinds moves the version on, so
the next request reads again. Concurrent misses of one key share one read. Entries also expire
after ``max_age_s``, which bounds how long a change made outside this process (another tool on
the same database) can go unseen.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

__all__ = ["ReadCache"]


@dataclass(frozen=True, slots=True)
class _Entry:
    version: int
    at: float
    value: Any


class ReadCache:
    """A bounded LRU of read results keyed by ``(key, version)``; see the module docstring."""

    def __init__(self, max_entries: int = 2048, max_age_s: float = 10.0) -> None:
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._inflight: dict[tuple[Hashable, int], asyncio.Future[Any]] = {}
        self.hits = 0
        self.misses = 0

    async def get(self, key: Hashable, version: int, read: Callable[[], Any]) -> Any:
        """The cached answer for ``key`` at ``version``, else ``read()`` run in a worker thread
        (the store is read off the event loop, which belongs to the engine)."""
        hit = self._entries.get(key)
        fresh = hit is not None and time.monotonic() - hit.at < self.max_age_s
        if hit is not None and fresh and hit.version == version:
            self._entries.move_to_end(key)
            self.hits += 1
            return hit.value
        flight = (key, version)
        task = self._inflight.get(flight)
        if task is None:
            self.misses += 1
            started = time.monotonic()
            task = asyncio.ensure_future(asyncio.to_thread(read))
            self._inflight[flight] = task
            task.add_done_callback(lambda t: self._settle(flight, started, t))
        # Shielded: one client giving up (disconnect, timeout) does not cancel the others' read.
        return await asyncio.shield(task)

    def _settle(
        self, flight: tuple[Hashable, int], started: float, task: asyncio.Future[Any]
    ) -> None:
        self._inflight.pop(flight, None)
        if task.cancelled() or task.exception() is not None:
            return  # nothing kept: the next request reads again (and sees the error itself)
        key, version = flight
        current = self._entries.get(key)
        if current is not None and current.version > version:
            return  # a newer answer landed first
        self._entries[key] = _Entry(version, started, task.result())
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
