"""Tick feeds for the runtime: a column batch replayed in real time (looping), and a manual feed.

A feed yields chunks of tick columns (``dict`` of NumPy arrays, the core's layout) whose ``symbol``
ids index ``feed.symbols``. Replayed ticks are re-stamped to the present: ``ts_recv`` is the local
time the chunk is released and ``ts_event`` keeps the recorded exchange-to-receive latency, so the
engine's sanitizer sees live-looking timestamps.

* :func:`synthetic_feed` — the embedded default: the seeded synthetic market, paced in real time,
  a fresh block (next seed) each loop.
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
from quantum.errors import ConfigError, DataError

__all__ = [
    "Chunk",
    "ColumnsFeed",
    "Feed",
    "ManualFeed",
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
        ts_event = cols["ts_event"]
        n = len(ts_event)
        if n == 0:
            return
        latency = cols["ts_recv"] - ts_event
        offset = ts_event - ts_event[0]
        start = time.perf_counter_ns()
        pos = 0
        while pos < n:
            if self.speed == 0:
                end = min(n, pos + self.max_chunk)
            else:
                elapsed = (time.perf_counter_ns() - start) * self.speed
                end = int(np.searchsorted(offset, elapsed, side="right"))
                end = min(end, pos + self.max_chunk)
                if end <= pos:
                    wait_ns = (offset[pos] - elapsed) / self.speed
                    await asyncio.sleep(min(self.step_s, max(wait_ns / 1e9, 0.0)))
                    continue
            now = time.time_ns()
            chunk = {name: col[pos:end] for name, col in cols.items()}
            chunk["ts_recv"] = np.full(end - pos, now, dtype=np.int64)
            chunk["ts_event"] = now - latency[pos:end]
            pos = end
            yield chunk
            if self.speed == 0:
                # Let the API and the clients run between chunks.
                await asyncio.sleep(0)


def synthetic_feed(
    symbols: Sequence[str] = ("BTCUSDT", "ETHUSDT"),
    *,
    seed: int = 7,
    ticks_per_s: float = 50.0,
    block: int = 60_000,
    speed: float = 1.0,
) -> ColumnsFeed:
    """The embedded default market: seeded synthetic ticks at ``ticks_per_s`` (all symbols)."""
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
