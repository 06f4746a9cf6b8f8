"""The runtime's ExchangeFeed over the real ccxt.pro binanceusdm code, offline: recorded native
trade messages go in through a fake WebSocket and come out as tick-column chunks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from quantum.errors import BadSymbol, ConfigError
from quantum.exchanges.binanceusdm import parse as binance_parse
from quantum.exchanges.binanceusdm.config import BinanceUsdmConfig
from quantum.exchanges.binanceusdm.factory import create_data_client
from quantum.exchanges.common.offline import OfflineWs
from quantum.exchanges.common.types import BookMessage
from quantum.runtime.exchange_feeds import ExchangeFeed, book_top_tick
from quantum.runtime.feeds import Chunk

from .captures import hftbacktest_lines
from .ccxt_helpers import offline_exchange

RECV_NS = 1_800_000_000_000_000_000


def _trades() -> list[dict[str, Any]]:
    lines = list(hftbacktest_lines("binance_usdm_btcusdt_20240808.jsonl.gz"))[:4000]
    msgs = [orjson.loads(raw) for _, raw in lines]
    return [m["data"] for m in msgs if m.get("data", {}).get("e") == "trade"][:40]


def test_exchange_feed_streams_ccxt_trades_as_chunks(shared_data: Path) -> None:
    trades = _trades()
    assert len(trades) == 40

    async def go() -> list[Chunk]:
        ex, http = offline_exchange(
            "binanceusdm", {}, {"options": {"fetchMarkets": {"types": ["linear"]}}}
        )
        ws = OfflineWs(ex).install()
        client = create_data_client(BinanceUsdmConfig(), exchange=ex, clock_ns=lambda: RECV_NS)
        feed = ExchangeFeed(client, {"BTCUSDT": "BTC/USDT:USDT"}, ["trades"])
        assert feed.exchange == "binanceusdm" and feed.symbols == ("BTCUSDT",)
        got: list[Chunk] = []

        async def consume() -> None:
            async for chunk in feed.chunks():
                assert feed.connected
                got.append(chunk)
                if sum(len(c["ts_event"]) for c in got) >= len(trades):
                    break

        task = asyncio.ensure_future(consume())
        try:
            sent = await ws.wait_sent(1)
            assert sent[-1]["params"] == ["btcusdt@trade"]
            ws.feed({"result": None, "id": sent[-1]["id"]})
            for t in trades:
                ws.feed(t)
                await asyncio.sleep(0)
            await asyncio.wait_for(task, timeout=10)
        finally:
            task.cancel()
            await ex.close()
        assert not feed.connected
        # Only the markets were loaded over "HTTP"; nothing else was requested.
        assert all("exchangeInfo" in u for u in http.urls())
        return got

    chunks = asyncio.run(go())
    cols = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    # The same trades our native parser reads from the same messages.
    ref = [binance_parse.parse_ws_message(t, RECV_NS)[0] for t in trades]
    assert cols["symbol"].dtype == np.uint32 and np.all(cols["symbol"] == 0)
    assert np.all(cols["ts_recv"] == RECV_NS)
    assert cols["ts_event"].tolist() == [r.ts_event for r in ref]
    assert cols["price"].tolist() == [r.price for r in ref]
    assert cols["volume"].tolist() == [r.volume for r in ref]
    buy = np.nan_to_num(cols["buy_volume"]).tolist()
    assert buy == [r.buy_volume or 0.0 for r in ref]
    assert np.all(np.isnan(cols["bid"]))


class _ScriptedClient:
    """A market-data client stand-in whose stream yields given events, then raises."""

    def __init__(self, events: list[Any], error: Exception) -> None:
        self.exchange = type("Ex", (), {"id": "fakevenue"})()
        self.events = events
        self.error = error

    async def stream(self, symbol: str, channels: Any) -> Any:
        for e in self.events:
            yield e
        raise self.error


def test_exchange_feed_book_snapshot_is_a_quote_and_errors_end_the_feed() -> None:
    snap = BookMessage(1, 2, "BTCUSDT", True, None, 7, None, [(99.0, 1.0)], [(101.0, 2.0)])
    delta = BookMessage(3, 4, "BTCUSDT", False, 8, 8, 7, [(99.5, 1.0)], [])
    other = BookMessage(5, 6, "ETHUSDT", True, None, 9, None, [(9.0, 1.0)], [(11.0, 2.0)])
    client: Any = _ScriptedClient([snap, delta], BadSymbol("gone"))
    feed = ExchangeFeed(client, {"BTCUSDT": "BTC/USDT:USDT"}, ["book"])

    async def go() -> list[Chunk]:
        out: list[Chunk] = []
        with pytest.raises(BadSymbol, match="gone"):
            async for chunk in feed.chunks():
                out.append(chunk)
        return out

    (chunk,) = asyncio.run(go())
    assert chunk["bid"].tolist() == [99.0] and chunk["ask"].tolist() == [101.0]
    assert chunk["ask_qty"].tolist() == [2.0] and chunk["ts_event"].tolist() == [1]
    assert feed.dropped == 1
    assert book_top_tick(delta) is None

    bad: Any = _ScriptedClient([other], BadSymbol("x"))
    with pytest.raises(Exception, match="unexpected symbol 'ETHUSDT'"):
        asyncio.run(_drain(ExchangeFeed(bad, {"BTCUSDT": "BTC/USDT:USDT"}, ["book"])))


async def _drain(feed: ExchangeFeed) -> None:
    async for _ in feed.chunks():
        pass


def test_exchange_feed_rejects_bad_config() -> None:
    client: Any = _ScriptedClient([], BadSymbol("x"))
    with pytest.raises(ConfigError):
        ExchangeFeed(client, {}, ["trades"])
    with pytest.raises(ConfigError):
        ExchangeFeed(client, {"A": "A/B"}, [])
