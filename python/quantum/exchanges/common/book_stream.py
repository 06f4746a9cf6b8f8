"""A venue's native book messages, read off ccxt.pro's socket and checked by our own book.

ccxt.pro keeps the WebSocket (subscriptions, pings, reconnects), so :class:`NativeBookStream`
subscribes through ``watch_order_book`` and discards the book ccxt builds. What it uses is the
raw message: every ccxt.pro client hands each received message to ``exchange.handle_message``,
and the stream wraps that method so each native book message also goes through the adapter's
own parser (``parse_native``) into a :class:`~quantum.exchanges.common.book_sync.BookSync` per
symbol — our sequence and checksum rule in the core, not ccxt's. Quote ticks come from a valid
book's top after each applied message.

When a book goes invalid the stream gets a new snapshot by itself: REST ``fetch_order_book``
(Binance, whose ``lastUpdateId`` anchors the delta chain), or by resubscribing so the venue
sends a fresh snapshot (ccxt's ``un_watch_order_book`` where it has one, else the venue's native
unsubscribe/subscribe frames). A resubscription not answered within ``resync_timeout_s`` is
tried again.

Kraken spot comes over WebSocket v2 (what ccxt.pro subscribes to): its book messages name the
ccxt unified symbol, which the stream maps back to the venue-native name, and its books keep the
subscribed depth (levels pushed out of it get no delete). ccxt has no unwatch for it, so a
resync sends v2 ``unsubscribe``/``subscribe`` frames on the public v2 connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import ccxt

from quantum.errors import ConfigError, DataError, QuantumError
from quantum.exchanges.common.backoff import Backoff
from quantum.exchanges.common.book_sync import BookSync, book_venue
from quantum.exchanges.common.data import MarketDataClient
from quantum.exchanges.common.errors import map_ccxt_error
from quantum.exchanges.common.types import BookMessage, Event, Tick
from quantum.exchanges.common.unified import book_from_unified

__all__ = ["NATIVE_BOOK_VENUES", "NativeBookStream", "is_book_message"]

_OKX_BOOKS = frozenset({"books", "books5", "bbo-tbt", "books-l2-tbt", "books50-l2-tbt"})


def _binance(msg: Any) -> bool:
    data = msg.get("data", msg) if isinstance(msg, dict) else None
    return isinstance(data, dict) and data.get("e") == "depthUpdate"


def _bybit(msg: Any) -> bool:
    return isinstance(msg, dict) and str(msg.get("topic", "")).startswith("orderbook.")


def _okx(msg: Any) -> bool:
    if not isinstance(msg, dict) or "event" in msg:
        return False
    arg = msg.get("arg")
    return isinstance(arg, dict) and arg.get("channel") in _OKX_BOOKS


def _kraken(msg: Any) -> bool:
    return (
        isinstance(msg, dict)
        and msg.get("channel") == "book"
        and msg.get("type") in ("snapshot", "update")
    )


def _krakenfutures(msg: Any) -> bool:
    return isinstance(msg, dict) and msg.get("feed") in ("book", "book_snapshot")


_IS_BOOK: dict[str, Callable[[Any], bool]] = {
    "binanceusdm": _binance,
    "bybit": _bybit,
    "okx": _okx,
    "kraken": _kraken,
    "krakenfutures": _krakenfutures,
}

# ccxt's unwatch must name the same topic as its watch, but their defaults differ on Bybit
# (watch: orderbook.50, unwatch: orderbook.500), so the depth is always passed explicitly there.
_DEFAULT_LIMIT: dict[str, int] = {"bybit": 50}

# Kraken spot's v2 book depth when none is asked for.
_KRAKEN_DEFAULT_DEPTH = 10

#: Venues whose ccxt.pro book stream carries the messages our native parser reads.
NATIVE_BOOK_VENUES: frozenset[str] = frozenset(_IS_BOOK)


def is_book_message(venue: str, message: Any) -> bool:
    """Whether a native message of ``venue`` is an L2 book snapshot or delta."""
    return _IS_BOOK[venue](message)


class NativeBookStream:
    """Checked quote ticks for ``symbols`` (venue-native name -> ccxt unified) of one venue.

    ``client`` is the venue's :class:`MarketDataClient` subclass: its ``venue`` and
    ``parse_native`` name the rule and the parser. ``limit`` is passed to ``watch_order_book``
    (``None``: ccxt's default for the venue); REST snapshots take ``snapshot_limit`` levels.
    """

    def __init__(
        self,
        client: MarketDataClient,
        symbols: Mapping[str, str],
        *,
        limit: int | None = None,
        snapshot_limit: int = 1000,
        resync_timeout_s: float = 10.0,
        clock_ns: Callable[[], int] = time.time_ns,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        venue = str(getattr(client, "venue", client.exchange.id))
        if venue not in _IS_BOOK:
            raise ConfigError(
                f"{venue}: no native book stream through ccxt.pro "
                f"(available on {', '.join(sorted(_IS_BOOK))})"
            )
        parse = getattr(client, "parse_native", None)
        if parse is None:
            raise ConfigError(f"{venue}: the data client has no native parser")
        if not symbols:
            raise ConfigError("NativeBookStream needs at least one symbol")
        self.client = client
        self.exchange = client.exchange
        self.venue = book_venue(venue)
        self._parse: Callable[[Any, int], list[Event]] = parse
        self._is_book = _IS_BOOK[venue]
        self._unified = dict(symbols)
        self.limit = limit if limit is not None else _DEFAULT_LIMIT.get(venue)
        self.snapshot_limit = snapshot_limit
        self.resync_timeout_s = resync_timeout_s
        self._clock_ns = clock_ns
        self._monotonic = monotonic
        # Kraken spot keeps only the subscribed depth (the checksum is over what the venue keeps).
        depth = (self.limit or _KRAKEN_DEFAULT_DEPTH) if venue == "kraken" else None
        self.books = {name: BookSync(venue, name, max_depth=depth) for name in symbols}
        # Kraken spot v2 names the unified symbol in its book messages.
        self._native_name = {u: name for name, u in symbols.items()}
        #: Snapshot requests sent (REST fetches or resubscriptions).
        self.resync_requests = dict.fromkeys(symbols, 0)
        #: Native book messages that did not parse (every book is then resynced).
        self.malformed = 0
        self._pending: dict[str, float] = {}
        self._queue: asyncio.Queue[BookMessage | BaseException] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._resyncs: dict[str, asyncio.Task[None]] = {}

    # ------------------------------------------------------------------ the tap

    def _install(self) -> Callable[[], None]:
        ex = self.exchange
        original = ex.handle_message

        def tap(ws_client: Any, message: Any) -> Any:
            if self._is_book(message):
                self._on_native(message)
            return original(ws_client, message)

        ex.handle_message = tap
        # Clients made earlier captured the old handler when they were created.
        for c in (getattr(ex, "clients", None) or {}).values():
            if c.on_message_callback == original:
                c.on_message_callback = tap

        def uninstall() -> None:
            ex.handle_message = original
            for c in (getattr(ex, "clients", None) or {}).values():
                if c.on_message_callback is tap:
                    c.on_message_callback = original

        return uninstall

    def _on_native(self, message: Any) -> None:
        try:
            events = self._parse(message, self._clock_ns())
        except DataError as exc:
            # The symbol is unknown, so every book may have missed an update.
            self.malformed += 1
            for sync in self.books.values():
                sync.invalidate(f"malformed book message: {exc}")
            return
        for event in events:
            if not isinstance(event, BookMessage):
                continue
            if event.symbol not in self.books and event.symbol in self._native_name:
                event = dataclasses.replace(event, symbol=self._native_name[event.symbol])
            if event.symbol in self.books:
                self._queue.put_nowait(event)

    # ------------------------------------------------------------------ the stream

    def status(self) -> dict[str, dict[str, object]]:
        """Per symbol: the book's validity and counters, and snapshot requests sent."""
        out: dict[str, dict[str, object]] = {}
        for name, sync in self.books.items():
            st = sync.status()
            st["resync_requests"] = self.resync_requests[name]
            out[name] = st
        return out

    async def ticks(self) -> AsyncIterator[Tick]:
        """Quote ticks of the valid books, as native messages arrive, until closed."""
        await self.client._retrying("markets", self.exchange.load_markets)
        uninstall = self._install()
        self._tasks = [
            asyncio.ensure_future(self._watch(name, unified))
            for name, unified in self._unified.items()
        ]
        try:
            while True:
                item = await self._queue.get()
                if isinstance(item, BaseException):
                    raise item
                sync = self.books[item.symbol]
                if item.is_snapshot:
                    self._pending.pop(item.symbol, None)
                tick = sync.apply(item)
                # A WebSocket venue sends the first snapshot on subscribe by itself; Binance's
                # comes from REST once deltas are being buffered.
                if sync.needs_snapshot and (self.venue.snapshot == "rest" or sync.synced_once):
                    self._request_snapshot(item.symbol)
                if tick is not None:
                    yield tick
        finally:
            uninstall()
            tasks = self._tasks + list(self._resyncs.values())
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks = []
            self._resyncs = {}

    async def _watch(self, name: str, unified: str) -> None:
        """Keep ccxt.pro subscribed to the symbol's book; its own book is not used."""
        backoff = Backoff(self.client.config.backoff, self.client._rng)
        try:
            while True:
                try:
                    await self.exchange.watch_order_book(unified, self.limit)
                except (ccxt.NetworkError, ccxt.UnsubscribeError):
                    # A dropped socket (ccxt reconnects on the next call), ccxt's own nonce
                    # check, or our resubscription: watching again subscribes again.
                    self.client.retries["book"] += 1
                    await self.client._sleep(backoff.next_delay())
                    continue
                backoff.reset()
        except asyncio.CancelledError:
            raise
        except ccxt.BaseError as exc:
            self._queue.put_nowait(map_ccxt_error(exc))

    def _request_snapshot(self, name: str) -> None:
        running = self._resyncs.get(name)
        if running is not None and not running.done():
            return
        since = self._pending.get(name)
        if since is not None and self._monotonic() - since < self.resync_timeout_s:
            return
        self._pending[name] = self._monotonic()
        self.resync_requests[name] += 1
        job: Callable[[str, str], Awaitable[None]] = (
            self._rest_snapshot if self.venue.snapshot == "rest" else self._resubscribe
        )
        self._resyncs[name] = asyncio.ensure_future(self._guard(job(name, self._unified[name])))

    async def _guard(self, job: Awaitable[None]) -> None:
        try:
            await job
        except asyncio.CancelledError:
            raise
        except QuantumError as exc:
            self._queue.put_nowait(exc)

    async def _rest_snapshot(self, name: str, unified: str) -> None:
        async def fetch() -> Any:
            return await self.exchange.fetch_order_book(unified, self.snapshot_limit)

        book = await self.client._retrying("book snapshot", fetch)
        msg = book_from_unified(book, name, self._clock_ns())
        if msg.last_id is None:
            raise DataError(f"{self.venue.venue} {name}: REST book snapshot without an update id")
        # Applied in the stream's order, after the deltas already queued (they get buffered).
        self._queue.put_nowait(msg)

    async def _resubscribe(self, name: str, unified: str) -> None:
        ex = self.exchange
        if ex.has.get("unWatchOrderBook"):
            try:
                params = {} if self.limit is None else {"limit": self.limit}
                # Bounded: an unsubscribe the venue never acknowledges must not block the next
                # attempt (made after resync_timeout_s while the book is still invalid).
                await asyncio.wait_for(
                    ex.un_watch_order_book(unified, params), self.resync_timeout_s
                )
            except TimeoutError:
                return
            except ccxt.NetworkError:
                return  # the socket is gone; ccxt resubscribes (and the venue re-snapshots)
            except ccxt.BaseError as exc:
                raise map_ccxt_error(exc) from exc
            return  # the watcher's next watch_order_book subscribes again
        await self._native_resubscribe(name)

    async def _native_resubscribe(self, name: str) -> None:
        venue = self.venue.venue
        if venue == "krakenfutures":
            client = self.exchange.client(self.exchange.urls["api"]["ws"])
            for event in ("unsubscribe", "subscribe"):
                await client.send({"event": event, "feed": "book", "product_ids": [name]})
            return
        if venue == "kraken":
            # The same params as ccxt's subscription; the new subscription's first message is
            # a fresh snapshot.
            params: dict[str, Any] = {"channel": "book", "symbol": [self._unified[name]]}
            if self.limit is not None:
                params["depth"] = self.limit
            client = self.exchange.client(self.exchange.urls["api"]["ws"]["publicV2"])
            for method in ("unsubscribe", "subscribe"):
                await client.send({"method": method, "params": params})
            return
        raise ConfigError(f"{venue}: no way to resubscribe to the book")
