"""Liquidations through the whole live path, offline: the data client on a real ccxt.pro
exchange with a fake connection, fed each venue's documented liquidation message. The venue's
native parser (via ccxt's ``info``) decides ``liq_side``."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest

from quantum.exchanges.common.offline import OfflineWs
from quantum.exchanges.common.types import LIQ_LONGS, LIQ_SHORTS, Tick

from .ccxt_helpers import offline_exchange

# Binance, "Liquidation Order Streams" (documented payload):
# https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Liquidation-Order-Streams
BINANCE = {
    "e": "forceOrder",
    "E": 1723161256400,
    "o": {
        "s": "BTCUSDT",
        "S": "SELL",
        "o": "LIMIT",
        "f": "IOC",
        "q": "0.014",
        "p": "61700",
        "ap": "61750.5",
        "X": "FILLED",
        "l": "0.014",
        "z": "0.014",
        "T": 1723161256399,
    },
}
# Bybit, "All Liquidation": https://bybit-exchange.github.io/docs/v5/websocket/public/all-liquidation
BYBIT = {
    "topic": "allLiquidation.BTCUSDT",
    "type": "snapshot",
    "ts": 1786310820000,
    "data": [{"T": 1786310819990, "s": "BTCUSDT", "S": "Sell", "v": "0.250", "p": "65190.10"}],
}
# OKX, "Liquidation orders channel":
# https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel
OKX = {
    "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
    "data": [
        {
            "details": [
                {
                    "bkLoss": "0",
                    "bkPx": "30100.5",
                    "ccy": "",
                    "posSide": "long",
                    "side": "sell",
                    "sz": "12",
                    "ts": "1652459226500",
                }
            ],
            "instFamily": "BTC-USDT",
            "instId": "BTC-USDT-SWAP",
            "instType": "SWAP",
            "uly": "BTC-USDT",
        }
    ],
}

CASES = [
    (
        "binanceusdm",
        "BinanceUsdmConfig",
        ("linear",),
        BINANCE,
        ("BTCUSDT", 61750.5, 0.014, LIQ_LONGS, 1723161256399),
    ),
    (
        "bybit",
        "BybitConfig",
        ("linear",),
        BYBIT,
        ("BTCUSDT", 65190.1, 0.25, LIQ_SHORTS, 1786310819990),
    ),
    (
        "okx",
        "OkxConfig",
        ("swap",),
        OKX,
        ("BTC-USDT-SWAP", 30100.5, 12.0, LIQ_LONGS, 1652459226500),
    ),
]


@pytest.mark.parametrize(("venue", "config_cls", "types", "message", "expected"), CASES)
def test_liquidation_stream(
    shared_data: object,
    venue: str,
    config_cls: str,
    types: tuple[str, ...],
    message: dict[str, Any],
    expected: tuple[Any, ...],
) -> None:
    adapter = importlib.import_module(f"quantum.exchanges.{venue}")

    async def go() -> Tick:
        ex, _ = offline_exchange(venue, {}, {"options": {"fetchMarkets": {"types": list(types)}}})
        ws = OfflineWs(ex).install()
        client = adapter.create_data_client(
            getattr(adapter, config_cls)(market_types=types), exchange=ex
        )
        assert client.plan("liquidations").mode == "ws"
        stream = client.stream("BTC/USDT:USDT", ["liquidations"])
        try:
            first = asyncio.ensure_future(stream.__anext__())
            await ws.wait_sent(1)
            ws.feed(message)
            tick = await asyncio.wait_for(first, timeout=10)
        finally:
            await stream.aclose()
            await ex.close()
        assert isinstance(tick, Tick)
        return tick

    t = asyncio.run(go())
    symbol, price, volume, side, ts_ms = expected
    assert (t.symbol, t.price, t.liq_volume, t.liq_side) == (symbol, price, volume, side)
    assert t.ts_event == ts_ms * 1_000_000 and t.ts_recv > t.ts_event
