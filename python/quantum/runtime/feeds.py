"""Tick feeds for the runtime: a column batch replayed in real time (looping), and a manual feed.

A feed yields chunks of tick columns (``dict`` of NumPy arrays, the core's layout) whose ``symbol``
ids index ``feed.symbols``. Replayed ticks are re-stamped to the present: each tick is released when
its recorded arrival time (relative to the loop's start) has come, ``ts_recv`` is the local time it
is released, and ``ts_event`` is the recorded exchange time shifted by one constant per loop, so
ticks keep their recorded order, spacing and exchange-to-receive latency. A loop starts only once
its first event time lies after the previous loop's last one: both clocks keep moving forward
across loops, as the engine's sanitizer requires.

* :func:`embedded_feed` — the default of ``quantum serve``: the real recording shipped in the
  package (``quantum.data.embedded``), replayed in a loop.
* :func:`synthetic_feed` — the seeded synthetic market, paced in real time, a fresh block (next
  seed) each loop.
* :func:`replay_feed` — a recording (``quantum.data.Recorder`` file) replayed in a loop.
* :class:`ManualFeed` — ticks pushed by the caller (tests, benchmarks, an external adapter).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from quantum.data import TickColumns, generate, read_recording
from quantum.data.embedded import EMBEDDED_RECORDING
from quantum.errors import ConfigError, DataError

__all__ = [
    "Chunk",
    "ColumnsFeed",
    "Feed",
    "ManualFeed",
    "embedded_feed",
    "replay_feed",
    "synthetic_feed",
]

Chunk = dict[str, NDArray[Any]]


class Feed(Protocol):
    """What the runtime consumes."""

    exchange: str
    symbols: tuple[str, ...]
    connected: bool
    name: str

    def chunks(self) -> AsyncIterator[Chunk]:
        """Tick column chunks, forever or until the feed ends."""
        ...


class ColumnsFeed:
    """Replays column batches in real time (``speed`` × recorded pace; 0 = as fast as possible).

    ``source(i)`` returns the batch of loop ``i``; with ``loop=False`` only batch 0 is played.
    Batches are paced by their receive times (``ts_recv``, the order a recording is kept in). At
    ``speed`` 0 there is no pace to keep, so each chunk is stamped with the present and every
    tick's ``ts_event`` is that minus its recorded latency.
    """

    def __init__(
        self,
        source: Callable[[int], TickColumns],
        *,
        exchange: str,
        symbols: Sequence[str],
        name: str,
        speed: float = 1.0,
        loop: bool = True,
        max_chunk: int = 4096,
        step_s: float = 0.01,
    ) -> None:
        if speed < 0:
            raise ConfigError(f"speed must be >= 0, got {speed}")
        self._source = source
        self.exchange = exchange
        self.symbols = tuple(symbols)
        self.name = name
        self.speed = speed
        self.loop = loop
        self.max_chunk = max_chunk
        self.step_s = step_s
        self.connected = False
        self.loops = 0
        #: The newest ``ts_event`` released so far (the next loop starts after it).
        self.last_event_ns: int | None = None

    async def chunks(self) -> AsyncIterator[Chunk]:
        """Release each batch's ticks when their (scaled) recorded time has come."""
        i = 0
        self.connected = True
        try:
            while True:
                batch = self._source(i)
                if tuple(batch.symbol_names) != self.symbols:
                    raise DataError(
                        f"feed batch symbols {batch.symbol_names} differ from {self.symbols}"
                    )
                async for chunk in self._play(batch.columns):
                    yield chunk
                self.loops += 1
                i += 1
                if not self.loop:
                    return
        finally:
            self.connected = False

    async def _play(self, cols: Mapping[str, NDArray[Any]]) -> AsyncIterator[Chunk]:
        ts_recv = cols["ts_recv"]
        n = len(ts_recv)
        if n == 0:
            return
        latency = ts_recv - cols["ts_event"]
        if self.speed == 0:
            async for chunk in self._play_unpaced(cols, latency):
                yield chunk
            return
        # Scheduled release of each tick after the loop's start (never decreasing, so that a
        # batch whose receive times are not sorted still plays through).
        due = np.maximum.accumulate(ts_recv - ts_recv[0])
        if self.speed != 1:
            due = (due / self.speed).astype(np.int64)
        # Each tick's event time relative to the loop's start: its release minus its latency.
        event = due - latency
        if self.last_event_ns is not None:
            earliest = self.last_event_ns + 1 - int(event.min())
            while (now := time.time_ns()) < earliest:
                await asyncio.sleep(min(self.step_s, (earliest - now) / 1e9))
        # Wall clock first: a tick is then never stamped as received before it was due.
        start_wall = time.time_ns()
        start = time.perf_counter_ns()
        pos = 0
        while pos < n:
            elapsed = time.perf_counter_ns() - start
            end = min(int(np.searchsorted(due, elapsed, side="right")), pos + self.max_chunk)
            if end <= pos:
                await asyncio.sleep(min(self.step_s, max((due[pos] - elapsed) / 1e9, 0.0)))
                continue
            chunk = {name: col[pos:end] for name, col in cols.items()}
            chunk["ts_recv"] = np.full(end - pos, time.time_ns(), dtype=np.int64)
            chunk["ts_event"] = start_wall + event[pos:end]
            self._released(chunk["ts_event"])
            pos = end
            yield chunk

    async def _play_unpaced(
        self, cols: Mapping[str, NDArray[Any]], latency: NDArray[np.int64]
    ) -> AsyncIterator[Chunk]:
        n = len(latency)
        for pos in range(0, n, self.max_chunk):
            end = min(n, pos + self.max_chunk)
            now = time.time_ns()
            chunk = {name: col[pos:end] for name, col in cols.items()}
            chunk["ts_recv"] = np.full(end - pos, now, dtype=np.int64)
            chunk["ts_event"] = now - latency[pos:end]
            self._released(chunk["ts_event"])
            yield chunk
            # Let the API and the clients run between chunks.
            await asyncio.sleep(0)

    def _released(self, ts_event: NDArray[np.int64]) -> None:
        newest = int(ts_event.max())
        if self.last_event_ns is None or newest > self.last_event_ns:
            self.last_event_ns = newest


def synthetic_feed(
    symbols: Sequence[str] = ("BTCUSDT", "ETHUSDT"),
    *,
    seed: int = 7,
    ticks_per_s: float = 50.0,
    block: int = 60_000,
    speed: float = 1.0,
) -> ColumnsFeed:
    """The seeded synthetic market at ``ticks_per_s``, all symbols (``--feed synthetic``)."""
    if ticks_per_s <= 0 or block <= 0:
        raise ConfigError("ticks_per_s and block must be positive")
    interval = max(1, int(1e9 / ticks_per_s))

    def source(i: int) -> TickColumns:
        return generate(block, seed=seed + i, symbols=symbols, tick_interval_ns=interval)

    return ColumnsFeed(
        source,
        exchange="replay",
        symbols=symbols,
        name=f"synthetic (seed {seed}, {ticks_per_s:g} ticks/s)",
        speed=speed,
    )


def replay_feed(path: Path, *, speed: float = 1.0) -> ColumnsFeed:
    """A recording (``quantum.data.Recorder``) replayed in a loop at ``speed`` × real time."""
    ticks = read_recording(path).ticks
    if len(ticks) == 0:
        raise DataError(f"recording {path} holds no ticks")
    return ColumnsFeed(
        lambda _i: ticks,
        exchange="replay",
        symbols=ticks.symbol_names,
        name=f"replay of {path.name}",
        speed=speed,
    )


def embedded_feed(*, speed: float = 1.0) -> ColumnsFeed:
    """The default market: the real Binance recording shipped in the package, in a loop.

    See ``quantum/data/recordings/SOURCES.md`` for what it holds and where it comes from.
    """
    feed = replay_feed(EMBEDDED_RECORDING, speed=speed)
    feed.name = "recorded Binance USD-M BTCUSDT/ETHUSDT, 2024-08-08 23:56-23:59 UTC, looped"
    return feed


class ManualFeed:
    """A feed whose ticks the caller pushes (``push`` is safe from any thread)."""

    def __init__(self, symbols: Sequence[str], *, exchange: str = "replay") -> None:
        self.exchange = exchange
        self.symbols = tuple(symbols)
        self.name = "manual"
        self.connected = True
        self._queue: asyncio.Queue[Chunk | None] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None

    def _put(self, item: Chunk | None) -> None:
        loop = self._loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or loop is running:
            self._queue.put_nowait(item)
        else:
            loop.call_soon_threadsafe(self._queue.put_nowait, item)

    def push(self, ticks: TickColumns) -> None:
        """Queue a batch; its timestamps are used as given."""
        if tuple(ticks.symbol_names) != self.symbols:
            raise DataError(f"batch symbols {ticks.symbol_names} differ from {self.symbols}")
        self._put(dict(ticks.columns))

    def end(self) -> None:
        """End the feed after what was pushed."""
        self._put(None)

    async def chunks(self) -> AsyncIterator[Chunk]:
        """The pushed batches in order."""
        self._loop = asyncio.get_running_loop()
        while True:
            item = await self._queue.get()
            if item is None:
                return
            yield item
