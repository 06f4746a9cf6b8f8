"""Live and recording feeds for the runtime.

* :class:`ExchangeFeed` — normalized events of an exchange adapter's
  :meth:`~quantum.exchanges.common.data.MarketDataClient.stream` (one stream per symbol, merged)
  turned into the runtime's tick-column chunks. The ``book`` channel goes through our own book
  check (:class:`~quantum.exchanges.common.book_stream.NativeBookStream`) where the venue's
  native book messages are available through ccxt.pro.
* :class:`RecordingFeed` — wraps any feed and writes every chunk it yields through
  :class:`quantum.data.Recorder`, so the session replays with ``quantum backtest --data DIR``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from quantum.data import Recorder, TickColumns
from quantum.errors import ConfigError, DataError
from quantum.exchanges.common.book_stream import NATIVE_BOOK_VENUES, NativeBookStream
from quantum.exchanges.common.data import Channel, MarketDataClient
from quantum.exchanges.common.types import BookMessage, Event, Tick, ticks_to_columns
from quantum.runtime.feeds import Chunk, Feed

__all__ = ["ExchangeFeed", "RecordingFeed", "book_top_tick"]

# The queue carries events, the end of one symbol's stream (its name), or that stream's error.
_Item = Event | BaseException


def book_top_tick(msg: BookMessage) -> Tick | None:
    """The best bid/ask of a book *snapshot* as a quote tick (``None`` for a delta or an empty
    side: a delta alone does not tell the top of the book)."""
    if not msg.is_snapshot or not msg.bids or not msg.asks:
        return None
    (bid, bid_qty), (ask, ask_qty) = msg.bids[0], msg.asks[0]
    return Tick(
        ts_event=msg.ts_event,
        ts_recv=msg.ts_recv,
        symbol=msg.symbol,
        bid=bid,
        ask=ask,
        bid_qty=bid_qty,
        ask_qty=ask_qty,
    )


class ExchangeFeed:
    """A runtime feed over an exchange adapter's market-data client.

    ``symbols`` maps each venue-native name (the feed's ``symbols``, as ticks carry them) to the
    ccxt unified symbol to stream (``{"BTCUSDT": "BTC/USDT:USDT"}``). Every event waiting when a
    chunk is built goes into it (at most ``max_chunk``), so a burst costs one engine call.

    The ``book`` channel, on a venue in :data:`NATIVE_BOOK_VENUES` (and unless ``native_book``
    is false), is served by a :class:`NativeBookStream`: the venue's own snapshots and deltas go
    through the core's book with the venue's sequence/checksum rule; an invalid book yields no
    ticks and is resynced by itself; a valid one yields a quote tick (best bid/ask and sizes)
    after each applied message. Elsewhere (or with ``native_book`` false) ccxt.pro's book
    snapshots become quote ticks (:func:`book_top_tick`) and deltas are counted in ``dropped``. A stream's typed error
    (network failures are retried) ends the feed, raised from :meth:`chunks`.
    """

    def __init__(
        self,
        client: MarketDataClient,
        symbols: Mapping[str, str],
        channels: Sequence[Channel],
        *,
        max_chunk: int = 4096,
        native_book: bool = True,
        book_limit: int | None = None,
        owns_exchange: bool = False,
    ) -> None:
        if not symbols:
            raise ConfigError("ExchangeFeed needs at least one symbol")
        if not channels:
            raise ConfigError("ExchangeFeed needs at least one channel")
        if max_chunk <= 0:
            raise ConfigError(f"max_chunk must be positive, got {max_chunk}")
        self._client = client
        self._unified = dict(symbols)
        self._channels = tuple(channels)
        self._ids = {name: i for i, name in enumerate(symbols)}
        self.exchange: str = str(client.exchange.id)
        self.symbols = tuple(symbols)
        self.name = f"{self.exchange} {','.join(self.symbols)} ({','.join(self._channels)})"
        self.max_chunk = max_chunk
        self.connected = False
        self._owns_exchange = owns_exchange
        #: Events not forwarded (book deltas on the unified path).
        self.dropped = 0
        venue = str(getattr(client, "venue", self.exchange))
        self.books: NativeBookStream | None = None
        if native_book and "book" in self._channels and venue in NATIVE_BOOK_VENUES:
            self.books = NativeBookStream(client, self._unified, limit=book_limit)
            self._channels = tuple(c for c in self._channels if c != "book")

    @property
    def unified_symbols(self) -> dict[str, str]:
        """Venue-native name -> ccxt unified symbol of every symbol the feed carries."""
        return dict(self._unified)

    async def aclose(self) -> None:
        """Close the ccxt exchange (its sockets and HTTP session) when the feed created it."""
        if self._owns_exchange:
            await self._client.exchange.close()

    def status(self) -> dict[str, object]:
        """Connection state and, with native books, each book's validity, gaps and resyncs."""
        books = self.books.status() if self.books is not None else {}

        def total(key: str) -> int:
            return sum(int(str(b[key])) for b in books.values())

        return {
            "connected": self.connected,
            "native_book": self.books is not None,
            "books_valid": all(bool(b["valid"]) for b in books.values()) if books else None,
            "gaps": total("gaps"),
            "checksum_failures": total("checksum_failures"),
            "resyncs": total("resyncs"),
            "retries": sum(getattr(self._client, "retries", {}).values()),
            "books": books,
        }

    async def _pump_books(self, books: NativeBookStream, queue: asyncio.Queue[_Item]) -> None:
        try:
            async for tick in books.ticks():
                queue.put_nowait(tick)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # surfaced by chunks(), which owns the error policy
            queue.put_nowait(exc)
        else:
            queue.put_nowait(DataError(f"{self.exchange} book stream ended"))

    async def _pump(self, unified: str, queue: asyncio.Queue[_Item]) -> None:
        try:
            async for event in self._client.stream(unified, self._channels):
                queue.put_nowait(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # surfaced by chunks(), which owns the error policy
            queue.put_nowait(exc)
        else:
            queue.put_nowait(DataError(f"{self.exchange} stream of {unified} ended"))

    def _chunk(self, ticks: list[Tick]) -> Chunk:
        cols: Chunk = dict(ticks_to_columns(ticks))
        try:
            ids = [self._ids[t.symbol] for t in ticks]
        except KeyError as exc:
            raise DataError(f"{self.exchange}: tick for unexpected symbol {exc.args[0]!r}") from exc
        cols["symbol"] = np.asarray(ids, dtype=np.uint32)
        return cols

    def _tick(self, event: Event) -> Tick | None:
        if isinstance(event, Tick):
            return event
        top = book_top_tick(event)
        if top is None:
            self.dropped += 1
        return top

    async def chunks(self) -> AsyncIterator[Chunk]:
        """Chunks of the merged per-symbol streams, as events arrive."""
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        tasks = []
        if self._channels:
            tasks = [asyncio.ensure_future(self._pump(u, queue)) for u in self._unified.values()]
        if self.books is not None:
            tasks.append(asyncio.ensure_future(self._pump_books(self.books, queue)))
        self.connected = True
        try:
            while True:
                items = [await queue.get()]
                while len(items) < self.max_chunk and not queue.empty():
                    items.append(queue.get_nowait())
                ticks: list[Tick] = []
                for item in items:
                    if isinstance(item, BaseException):
                        if ticks:
                            yield self._chunk(ticks)
                        raise item
                    tick = self._tick(item)
                    if tick is not None:
                        ticks.append(tick)
                if ticks:
                    yield self._chunk(ticks)
        finally:
            self.connected = False
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


class RecordingFeed:
    """Any feed, with each chunk it yields also written to a recording directory.

    The recording is closed (complete, readable by :func:`quantum.data.read_recording` and
    ``quantum backtest --data``) when the wrapped feed ends, fails or is closed. A chunk the
    recorder refuses (:class:`~quantum.errors.ColumnError`) ends the feed with that error rather
    than trading on data that is not being recorded.
    """

    def __init__(self, feed: Feed, path: str | Path, **recorder_options: Any) -> None:
        self.feed = feed
        self.recorder = Recorder(path, **recorder_options)
        self.exchange = feed.exchange
        self.symbols = feed.symbols
        self.name = f"{feed.name} (recording to {self.recorder.path})"

    @property
    def connected(self) -> bool:
        """Whether the wrapped feed is connected."""
        return self.feed.connected

    @connected.setter
    def connected(self, value: bool) -> None:
        self.feed.connected = value

    @property
    def unified_symbols(self) -> dict[str, str] | None:
        """The wrapped feed's ccxt symbols, when it is an exchange feed."""
        symbols = getattr(self.feed, "unified_symbols", None)
        return dict(symbols) if symbols is not None else None

    async def aclose(self) -> None:
        """Close the wrapped feed's resources, when it has any to close."""
        close = getattr(self.feed, "aclose", None)
        if close is not None:
            await close()

    def status(self) -> dict[str, object] | None:
        """The wrapped feed's status, when it has one (an :class:`ExchangeFeed`)."""
        status = getattr(self.feed, "status", None)
        return dict(status()) if callable(status) else None

    async def chunks(self) -> AsyncIterator[Chunk]:
        """The wrapped feed's chunks, each recorded before it is passed on."""
        try:
            async for chunk in self.feed.chunks():
                self.recorder.append(TickColumns(columns=chunk, symbol_names=self.symbols))
                yield chunk
        finally:
            self.recorder.close()
