"""The async market-data client every adapter uses: ccxt.pro streams, REST polling fallback.

``MarketDataClient.stream(symbol, channels)`` yields normalized :class:`Tick` and
:class:`BookMessage` events. Each channel runs as its own task:

- where the venue has a WebSocket stream for it (ccxt ``has["watchX"]``), it awaits ccxt.pro's
  ``watch_*`` in a loop (ccxt.pro keeps the socket, subscriptions, pings and the venue's
  sequence/checksum rules for its book);
- otherwise it polls the REST ``fetch_*`` method every ``poll_interval_s``.

A ``ccxt.NetworkError`` (dropped socket, timeout, 5xx, rate limit) is retried after the channel's
:class:`Backoff` delay, which resets after the next success. Any other ccxt error is mapped to a
:mod:`quantum.errors` type and ends the stream, raised from ``stream``.

The exchange object, the sleep function and the receive clock are injected, so the client runs
against a fake exchange and a fake clock in tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ccxt

from quantum.errors import ConfigError, DataError, QuantumError
from quantum.exchanges.common.backoff import Backoff, RandomSource
from quantum.exchanges.common.config import VenueConfig
from quantum.exchanges.common.errors import map_ccxt_error
from quantum.exchanges.common.types import Event, Tick
from quantum.exchanges.common.unified import (
    book_from_unified,
    funding_from_unified,
    open_interest_from_unified,
    ticker_from_unified,
    trades_from_unified,
)

__all__ = ["CHANNELS", "Channel", "ChannelPlan", "MarketDataClient"]

Channel = Literal["ticker", "trades", "book", "funding", "open_interest", "liquidations"]
CHANNELS: tuple[Channel, ...] = (
    "ticker",
    "trades",
    "book",
    "funding",
    "open_interest",
    "liquidations",
)

# channel -> (ccxt WebSocket method, its `has` flag, REST method, its `has` flag)
_METHODS: dict[Channel, tuple[str, str, str, str]] = {
    "ticker": ("watch_ticker", "watchTicker", "fetch_ticker", "fetchTicker"),
    "trades": ("watch_trades", "watchTrades", "fetch_trades", "fetchTrades"),
    "book": ("watch_order_book", "watchOrderBook", "fetch_order_book", "fetchOrderBook"),
    "funding": ("watch_funding_rate", "watchFundingRate", "fetch_funding_rate", "fetchFundingRate"),
    "open_interest": (
        "watch_open_interest",
        "watchOpenInterest",
        "fetch_open_interest",
        "fetchOpenInterest",
    ),
    "liquidations": (
        "watch_liquidations",
        "watchLiquidations",
        "fetch_liquidations",
        "fetchLiquidations",
    ),
}


@dataclass(frozen=True)
class ChannelPlan:
    """How a channel is served on a venue: ``ws`` (ccxt.pro stream) or ``poll`` (REST)."""

    channel: Channel
    mode: Literal["ws", "poll"]
    method: str


class _NewTrades:
    """Drops trades already seen: REST polls return overlapping windows of recent trades."""

    def __init__(self) -> None:
        self._last_ts = -1
        self._ids_at_last: set[str] = set()

    def __call__(self, trades: list[dict[str, Any]]) -> list[dict[str, Any]]:
        fresh: list[dict[str, Any]] = []
        for t in sorted(trades, key=lambda t: t.get("timestamp") or 0):
            ts = int(t.get("timestamp") or 0)
            tid = str(t.get("id"))
            if ts < self._last_ts or (ts == self._last_ts and tid in self._ids_at_last):
                continue
            if ts > self._last_ts:
                self._last_ts = ts
                self._ids_at_last = set()
            self._ids_at_last.add(tid)
            fresh.append(t)
        return fresh


def _flag(has: dict[str, Any], name: str) -> bool:
    # ccxt marks support as True, "emulated" or False/None; emulated methods still work.
    return bool(has.get(name))


class MarketDataClient:
    """Streams normalized market data for one venue from a ccxt.pro exchange object."""

    def __init__(
        self,
        exchange: Any,
        config: VenueConfig,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock_ns: Callable[[], int] = time.time_ns,
        rng: RandomSource | None = None,
    ) -> None:
        self.exchange = exchange
        self.config = config
        self._sleep = sleep
        self._clock_ns = clock_ns
        self._rng = rng
        #: Reconnects / retries per channel since the client was created.
        self.retries: dict[Channel, int] = dict.fromkeys(CHANNELS, 0)

    def offers(self, channel: Channel) -> bool:
        """Whether the venue serves ``channel`` at all (stream or poll)."""
        _, ws_flag, _, rest_flag = _METHODS[channel]
        has = self.exchange.has
        return _flag(has, ws_flag) or _flag(has, rest_flag)

    def plan(self, channel: Channel) -> ChannelPlan:
        """Whether ``channel`` is streamed or polled on this venue (from ccxt's ``has``)."""
        ws_method, ws_flag, rest_method, rest_flag = _METHODS[channel]
        has = self.exchange.has
        if _flag(has, ws_flag):
            return ChannelPlan(channel, "ws", ws_method)
        if _flag(has, rest_flag):
            return ChannelPlan(channel, "poll", rest_method)
        raise ConfigError(f"{self.exchange.id} offers neither {ws_flag} nor {rest_flag}")

    async def stream(self, symbol: str, channels: Sequence[Channel]) -> AsyncIterator[Event]:
        """Yield normalized events for ``symbol`` (ccxt unified) on ``channels`` until closed.

        Loads markets first (with the same retry policy). Closing the generator cancels the
        channel tasks; it does not close the exchange, which the caller owns.
        """
        if not channels:
            raise ConfigError("stream needs at least one channel")
        plans = [self.plan(c) for c in channels]
        await self._retrying("markets", self.exchange.load_markets)
        native = self.exchange.market(symbol)["id"]
        queue: asyncio.Queue[Event | BaseException] = asyncio.Queue()
        tasks = [
            asyncio.ensure_future(self._run_channel(plan, symbol, native, queue)) for plan in plans
        ]
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _retrying(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        backoff = Backoff(self.config.backoff, self._rng)
        while True:
            try:
                return await call()
            except ccxt.NetworkError:
                await self._sleep(backoff.next_delay())
            except ccxt.BaseError as exc:
                raise map_ccxt_error(exc) from exc

    async def _run_channel(
        self,
        plan: ChannelPlan,
        symbol: str,
        native: str,
        queue: asyncio.Queue[Event | BaseException],
    ) -> None:
        backoff = Backoff(self.config.backoff, self._rng)
        method = getattr(self.exchange, plan.method)
        dedup = _NewTrades() if plan.channel == "trades" and plan.mode == "poll" else None
        try:
            while True:
                try:
                    result = await method(symbol)
                except ccxt.NetworkError:
                    # Dropped socket, timeout, 5xx or rate limit: ccxt.pro reconnects on the
                    # next watch call, so waiting out the backoff is all that is needed.
                    self.retries[plan.channel] += 1
                    await self._sleep(backoff.next_delay())
                    continue
                backoff.reset()
                if dedup is not None:
                    result = dedup(result)
                for event in self._normalize(plan.channel, result, native):
                    queue.put_nowait(event)
                if plan.mode == "poll":
                    await self._sleep(self.config.poll_interval_s)
        except ccxt.BaseError as exc:
            queue.put_nowait(map_ccxt_error(exc))
        except asyncio.CancelledError:
            raise
        except QuantumError as exc:  # a converter's DataError: surface it through the stream
            queue.put_nowait(exc)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            # ccxt returned a structure without a field the converter needs.
            err = DataError(f"{self.exchange.id} {plan.channel}: malformed result: {exc!r}")
            err.__cause__ = exc
            queue.put_nowait(err)

    def _normalize(self, channel: Channel, result: Any, native: str) -> list[Event]:
        ts_recv = self._clock_ns()
        if channel == "ticker":
            return [ticker_from_unified(result, native, ts_recv)]
        if channel == "trades":
            return list(trades_from_unified(result, native, ts_recv))
        if channel == "book":
            return [book_from_unified(result, native, ts_recv, self.config.book_depth)]
        if channel == "funding":
            return [funding_from_unified(result, native, ts_recv)]
        if channel == "liquidations":
            return list(self.liquidation_ticks(result, ts_recv))
        return [open_interest_from_unified(result, native, ts_recv)]

    def liquidation_ticks(self, liquidations: list[dict[str, Any]], ts_recv: int) -> list[Tick]:
        """Ticks for ccxt unified liquidations, read from their native ``info`` payloads.

        ccxt's unified ``side`` means the forced order's side on some venues and the liquidated
        position's on others, so each venue adapter overrides this with its native parser,
        which knows which one it is. The base class has no venue to ask and refuses.
        """
        raise ConfigError(f"{self.exchange.id}: liquidations are not supported by this adapter")
