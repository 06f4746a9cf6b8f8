"""The async market-data client on a fake ccxt.pro exchange and a fake clock: streams, polling
fallback, reconnect with backoff on ccxt.NetworkError, typed errors. Nothing sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import ccxt
import pytest

from quantum.errors import BadSymbol, ConfigError, DataError
from quantum.exchanges.bybit import BybitConfig, create_data_client
from quantum.exchanges.common.backoff import BackoffConfig
from quantum.exchanges.common.data import MarketDataClient
from quantum.exchanges.common.types import BookMessage, Event, Tick


class FakeClock:
    """Records requested sleeps and advances virtual time instead of waiting."""

    def __init__(self) -> None:
        self.now_ns = 1_700_000_000_000_000_000
        self.sleeps: list[float] = []

    def time_ns(self) -> int:
        return self.now_ns

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now_ns += int(seconds * 1e9)
        await asyncio.sleep(0)  # yield to the other channel tasks, without waiting


class FakeExchange:
    """The slice of a ccxt.pro exchange the client uses; scripts results per method."""

    id = "fake"

    def __init__(self, has: dict[str, Any], script: dict[str, list[Any]]) -> None:
        self.has = has
        self.script = script
        self.calls: list[str] = []
        self.markets_loaded = 0

    async def load_markets(self) -> dict[str, Any]:
        self.markets_loaded += 1
        return {}

    def market(self, symbol: str) -> dict[str, Any]:
        if symbol != "BTC/USDT:USDT":
            raise ccxt.BadSymbol(f"fake does not have market symbol {symbol}")
        return {"id": "BTCUSDT", "symbol": symbol}

    def __getattr__(self, name: str) -> Any:
        if not name.startswith(("watch_", "fetch_")):
            raise AttributeError(name)

        async def call(symbol: str) -> Any:
            self.calls.append(name)
            queue = self.script[name]
            if not queue:
                await asyncio.Event().wait()  # nothing more: block like an idle socket
            item = queue.pop(0)
            if isinstance(item, BaseException):
                raise item
            return item

        return call


TICKER = {
    "symbol": "BTC/USDT:USDT",
    "timestamp": 1_700_000_000_000,
    "last": 100.0,
    "bid": 99.5,
    "ask": 100.5,
    "bidVolume": 2.0,
    "askVolume": 3.0,
}
BOOK = {
    "symbol": "BTC/USDT:USDT",
    "timestamp": 1_700_000_000_100,
    "nonce": 42,
    "bids": [[99.5, 2.0], [99.0, 1.0]],
    "asks": [[100.5, 3.0], [101.0, 4.0]],
}


async def _take(stream: AsyncIterator[Event], n: int) -> list[Event]:
    out: list[Event] = []
    async for ev in stream:
        out.append(ev)
        if len(out) == n:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    return out


def _client(ex: FakeExchange, clock: FakeClock, **cfg: Any) -> MarketDataClient:
    config = BybitConfig(backoff=BackoffConfig(initial=1.0, factor=2.0, cap=8.0, jitter=0.0), **cfg)
    return create_data_client(config, exchange=ex, sleep=clock.sleep, clock_ns=clock.time_ns)


def test_stream_reconnects_with_backoff_then_resets() -> None:
    net = ccxt.NetworkError("connection closed")
    ex = FakeExchange(
        {"watchTicker": True},
        {"watch_ticker": [net, net, net, TICKER, net, TICKER]},
    )
    clock = FakeClock()
    client = _client(ex, clock)
    events = asyncio.run(_take(client.stream("BTC/USDT:USDT", ["ticker"]), 2))
    # Three failures: 1, 2, 4 s; a success resets, so the next failure waits 1 s again.
    assert clock.sleeps == [1.0, 2.0, 4.0, 1.0]
    assert client.retries["ticker"] == 4
    assert all(isinstance(e, Tick) for e in events)
    t = events[0]
    assert isinstance(t, Tick)
    assert (t.symbol, t.bid, t.ask, t.bid_qty, t.price) == ("BTCUSDT", 99.5, 100.5, 2.0, 100.0)
    assert t.ts_event == 1_700_000_000_000 * 1_000_000
    assert t.ts_recv == clock.now_ns - int(1.0e9)  # received before the last backoff


def test_channels_without_websocket_fall_back_to_polling() -> None:
    funding = {"symbol": "BTC/USDT:USDT", "fundingRate": 0.0001, "timestamp": 1_700_000_000_000}
    oi = {"symbol": "BTC/USDT:USDT", "openInterestAmount": 5000.0, "timestamp": 1_700_000_000_000}
    ex = FakeExchange(
        {
            "watchOrderBook": True,
            "watchFundingRate": False,
            "fetchFundingRate": True,
            "fetchOpenInterest": True,
        },
        {
            "watch_order_book": [BOOK],
            "fetch_funding_rate": [funding, funding],
            "fetch_open_interest": [oi],
        },
    )
    clock = FakeClock()
    client = _client(ex, clock, poll_interval_s=5.0, book_depth=1)
    assert client.plan("funding").mode == "poll" and client.plan("book").mode == "ws"
    events = asyncio.run(
        _take(client.stream("BTC/USDT:USDT", ["book", "funding", "open_interest"]), 4)
    )
    books = [e for e in events if isinstance(e, BookMessage)]
    ticks = [e for e in events if isinstance(e, Tick)]
    assert len(books) == 1 and books[0].bids == [(99.5, 2.0)] and books[0].last_id == 42
    assert [t.funding_rate for t in ticks if t.funding_rate is not None] == [0.0001, 0.0001]
    assert [t.open_interest for t in ticks if t.open_interest is not None] == [5000.0]
    assert 5.0 in clock.sleeps  # the poll interval, never a real wait
    assert ex.calls.count("fetch_funding_rate") == 2


def test_polled_trades_are_not_repeated() -> None:
    t1 = {"id": "1", "timestamp": 1000, "price": 10.0, "amount": 1.0, "side": "buy"}
    t2 = {"id": "2", "timestamp": 1000, "price": 10.1, "amount": 2.0, "side": "sell"}
    t3 = {"id": "3", "timestamp": 2000, "price": 10.2, "amount": 3.0, "side": "buy"}
    ex = FakeExchange({"fetchTrades": True}, {"fetch_trades": [[t1, t2], [t1, t2, t3], [t2, t3]]})
    client = _client(ex, FakeClock())
    events = asyncio.run(_take(client.stream("BTC/USDT:USDT", ["trades"]), 3))
    assert [e.volume for e in events if isinstance(e, Tick)] == [1.0, 2.0, 3.0]


def test_non_network_errors_end_the_stream_typed() -> None:
    ex = FakeExchange({"watchTicker": True}, {"watch_ticker": [ccxt.BadSymbol("delisted")]})
    client = _client(ex, FakeClock())
    with pytest.raises(BadSymbol):
        asyncio.run(_take(client.stream("BTC/USDT:USDT", ["ticker"]), 1))


def test_missing_capability_and_empty_channels_are_config_errors() -> None:
    ex = FakeExchange({"watchTicker": True}, {})
    client = _client(ex, FakeClock())
    with pytest.raises(ConfigError):
        client.plan("open_interest")
    with pytest.raises(ConfigError):
        asyncio.run(_take(client.stream("BTC/USDT:USDT", []), 1))


def test_factory_builds_a_real_ccxt_pro_exchange_without_connecting() -> None:
    async def go() -> None:
        client = create_data_client(BybitConfig(market_types=("linear",)))
        try:
            assert client.exchange.id == "bybit"
            assert client.exchange.options["fetchMarkets"]["types"] == ["linear"]
            assert client.plan("book").mode == "ws" and client.plan("trades").mode == "ws"
            assert client.exchange.clients == {}  # no socket opened
        finally:
            await client.exchange.close()

    asyncio.run(go())


def test_malformed_ccxt_result_surfaces_as_data_error() -> None:
    ex = FakeExchange({"watchTrades": True}, {"watch_trades": [[{"price": 1.0}]]})  # no amount
    client = _client(ex, FakeClock())
    with pytest.raises(DataError):
        asyncio.run(_take(client.stream("BTC/USDT:USDT", ["trades"]), 1))
