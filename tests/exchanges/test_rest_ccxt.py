"""REST through the real ccxt code with only the HTTP transport replaced.

ccxt builds the URLs, loads markets from hand-written (or recorded) native market bodies, parses
the canned native responses and raises its own errors; the adapter's converters then normalize
ccxt's unified structures. Where the same native body also has a native parser, both paths must
agree.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson
import pytest

from quantum.exchanges.binanceusdm import parse as binance_parse
from quantum.exchanges.bybit import parse as bybit_parse
from quantum.exchanges.common.unified import (
    book_from_unified,
    funding_from_unified,
    open_interest_from_unified,
    ticker_from_unified,
    trades_from_unified,
)
from quantum.exchanges.okx import parse as okx_parse

from .captures import cryptofeed_jsonl, hftbacktest_lines, shared_data_dir
from .ccxt_helpers import jsonable, offline_exchange

TS = 1_723_161_300_000_000_000


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


# --- Binance USD-M -------------------------------------------------------------------------


def _binance_snapshot() -> dict[str, Any]:
    for _, raw in hftbacktest_lines("binance_usdm_btcusdt_20240808.jsonl.gz"):
        if b"lastUpdateId" in raw:
            snap: dict[str, Any] = orjson.loads(raw)
            return snap
    raise AssertionError("no snapshot in the l2 capture")


BINANCE_PREMIUM = {
    "symbol": "BTCUSDT",
    "markPrice": "61800.10000000",
    "indexPrice": "61830.92434783",
    "estimatedSettlePrice": "61812.01",
    "lastFundingRate": "0.00010000",
    "interestRate": "0.00010000",
    "nextFundingTime": 1723161600000,
    "time": 1723161256000,
}
BINANCE_OI = {"openInterest": "80512.123", "symbol": "BTCUSDT", "time": 1723161256312}
BINANCE_TICKER = {
    "symbol": "BTCUSDT",
    "priceChange": "4012.30",
    "priceChangePercent": "6.945",
    "weightedAvgPrice": "59890.49",
    "lastPrice": "61800.30",
    "lastQty": "0.006",
    "openPrice": "57788.00",
    "highPrice": "62745.40",
    "lowPrice": "57000.00",
    "volume": "311223.452",
    "quoteVolume": "18639139127.97",
    "openTime": 1723074900000,
    "closeTime": 1723161256322,
    "firstId": 5262000000,
    "lastId": 5266583935,
    "count": 4583936,
}
BINANCE_AGG_TRADES = [
    {
        "a": 2282640001,
        "p": "61800.30",
        "q": "0.006",
        "f": 5266583935,
        "l": 5266583935,
        "T": 1723161256322,
        "m": False,
    },
    {
        "a": 2282640002,
        "p": "61800.20",
        "q": "0.150",
        "f": 5266583936,
        "l": 5266583938,
        "T": 1723161256330,
        "m": True,
    },
]


def test_binanceusdm_rest_through_ccxt(shared_data: object) -> None:
    snap = _binance_snapshot()

    async def go() -> None:
        ex, http = offline_exchange(
            "binanceusdm",
            {
                "/fapi/v1/depth": snap,
                "/fapi/v1/premiumIndex": BINANCE_PREMIUM,
                "/fapi/v1/openInterest": BINANCE_OI,
                "/fapi/v1/ticker/24hr": BINANCE_TICKER,
                "/fapi/v1/aggTrades": BINANCE_AGG_TRADES,
                "/fapi/v1/trades": BINANCE_AGG_TRADES,
            },
            {"options": {"fetchMarkets": {"types": ["linear"]}}},
        )
        try:
            sym = "BTC/USDT:USDT"
            book = await ex.fetch_order_book(sym)
            ticker = await ex.fetch_ticker(sym)
            trades = await ex.fetch_trades(sym)
            funding = await ex.fetch_funding_rate(sym)
            oi = await ex.fetch_open_interest(sym)
        finally:
            await ex.close()
        native = ex.market(sym)["id"]
        assert native == "BTCUSDT"
        assert all("symbol=BTCUSDT" in u for u in http.urls()[1:])

        msg = book_from_unified(book, native, TS, depth=5)
        ref = binance_parse.parse_book_snapshot(snap, "BTCUSDT", TS)
        assert msg.last_id == ref.last_id == 5123107852948
        assert msg.bids == ref.bids[:5] and msg.asks == ref.asks[:5]
        assert msg.bids[0][0] < msg.asks[0][0]

        t = ticker_from_unified(ticker, native, TS)
        assert t.price == 61800.3 and t.ts_event == 1723161256322 * 1_000_000

        ticks = trades_from_unified(trades, native, TS)
        assert [(x.price, x.buy_volume, x.sell_volume) for x in ticks] == [
            (61800.3, 0.006, None),
            (61800.2, None, 0.15),
        ]

        f = funding_from_unified(funding, native, TS)
        assert f.funding_rate == binance_parse.parse_funding_rate(BINANCE_PREMIUM, TS).funding_rate
        assert f.funding_rate == 0.0001

        o = open_interest_from_unified(oi, native, TS)
        assert o.open_interest == binance_parse.parse_open_interest(BINANCE_OI, TS).open_interest

    _run(go())


# --- Bybit ---------------------------------------------------------------------------------


def _bybit_recorded(topic_prefix: str) -> dict[str, Any]:
    for conn, _, msg in cryptofeed_jsonl("cryptofeed_BYBIT_v5_linear_spot_20260809.jsonl.gz"):
        if (
            conn == "BYBIT.ws.2"
            and msg.get("topic", "").startswith(topic_prefix)
            and (msg.get("type") == "snapshot")
        ):
            found: dict[str, Any] = msg
            return found
    raise AssertionError(f"no {topic_prefix} snapshot in the capture")


def _bybit_ok(result: Any) -> dict[str, Any]:
    return {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": 1786310819000}


def test_bybit_rest_through_ccxt(shared_data: object) -> None:
    # Recorded WebSocket payloads reused as REST bodies: v5 uses the same field names.
    ticker_ws = _bybit_recorded("tickers.BTCUSDT")
    book_ws = _bybit_recorded("orderbook.200.BTCUSDT")
    tickers = _bybit_ok({"category": "linear", "list": [ticker_ws["data"]]})
    book = _bybit_ok({**book_ws["data"], "ts": book_ws["ts"], "cts": book_ws["cts"]})
    trades = _bybit_ok(
        {
            "category": "linear",
            "list": [
                {
                    "execId": "a9188a0a-82bc-50de-be60-03eedbe3cdd7",
                    "symbol": "BTCUSDT",
                    "price": "65114.20",
                    "size": "0.004",
                    "side": "Sell",
                    "time": "1786310819680",
                    "isBlockTrade": False,
                    "isRPITrade": False,
                }
            ],
        }
    )
    oi = _bybit_ok(
        {
            "symbol": "BTCUSDT",
            "category": "linear",
            "list": [{"openInterest": "59891.732", "timestamp": "1786310400000"}],
            "nextPageCursor": "",
        }
    )

    async def go() -> None:
        ex, http = offline_exchange(
            "bybit",
            {
                "/v5/market/tickers": tickers,
                "/v5/market/orderbook": book,
                "/v5/market/recent-trade": trades,
                "/v5/market/open-interest": oi,
            },
            {"options": {"fetchMarkets": {"types": ["linear"]}}},
        )
        try:
            sym = "BTC/USDT:USDT"
            t = await ex.fetch_ticker(sym)
            b = await ex.fetch_order_book(sym)
            tr = await ex.fetch_trades(sym)
            fr = await ex.fetch_funding_rate(sym)
            o = await ex.fetch_open_interest(sym)
        finally:
            await ex.close()
        assert any("category=linear" in u and "symbol=BTCUSDT" in u for u in http.urls())
        native = "BTCUSDT"
        tick = ticker_from_unified(t, native, TS)
        (ws_tick,) = bybit_parse.parse_ticker(ticker_ws, TS)
        assert (tick.bid, tick.ask, tick.bid_qty, tick.ask_qty, tick.price) == (
            ws_tick.bid,
            ws_tick.ask,
            ws_tick.bid_qty,
            ws_tick.ask_qty,
            ws_tick.price,
        )
        bm = book_from_unified(b, native, TS, depth=200)
        ref = bybit_parse.parse_book(book_ws, TS)
        assert bm.bids == ref.bids and bm.asks == ref.asks
        (trade,) = trades_from_unified(tr, native, TS)
        assert (trade.price, trade.sell_volume, trade.buy_volume) == (65114.2, 0.004, None)
        assert funding_from_unified(fr, native, TS).funding_rate == ws_tick.funding_rate == 0.0001
        assert open_interest_from_unified(o, native, TS).open_interest == 59891.732

    _run(go())


# --- OKX -----------------------------------------------------------------------------------

OKX_TICKER = {
    "instType": "SWAP",
    "instId": "BTC-USDT-SWAP",
    "last": "30243.5",
    "lastSz": "3",
    "askPx": "30243.6",
    "askSz": "120",
    "bidPx": "30243.5",
    "bidSz": "87",
    "open24h": "29700.4",
    "high24h": "31073",
    "low24h": "28020.3",
    "volCcy24h": "52580.23",
    "vol24h": "5258023",
    "sodUtc0": "29028.8",
    "sodUtc8": "30337.7",
    "ts": "1652459226124",
}
OKX_BOOK = {
    "asks": [["30243.6", "120", "0", "3"], ["30244", "8", "0", "1"]],
    "bids": [["30243.5", "87", "0", "2"], ["30242.1", "15", "0", "1"]],
    "ts": "1652459226124",
}
OKX_TRADES = [
    {
        "instId": "BTC-USDT-SWAP",
        "side": "buy",
        "sz": "3",
        "px": "30243.5",
        "tradeId": "242720720",
        "ts": "1652459226050",
    }
]
OKX_FUNDING = {
    "fundingRate": "0.0001515",
    "fundingTime": "1652486400000",
    "instId": "BTC-USDT-SWAP",
    "instType": "SWAP",
    "method": "current_period",
    "maxFundingRate": "0.00375",
    "minFundingRate": "-0.00375",
    "nextFundingRate": "",
    "nextFundingTime": "1652515200000",
    "premium": "0.0001",
    "settFundingRate": "0.0001",
    "settState": "settled",
    "ts": "1652459226124",
}
OKX_OI = {
    "instId": "BTC-USDT-SWAP",
    "instType": "SWAP",
    "oi": "2216113.01",
    "oiCcy": "22161.1301",
    "oiUsd": "670000000",
    "ts": "1652459226124",
}


def _okx_ok(data: Any) -> dict[str, Any]:
    return {"code": "0", "msg": "", "data": data}


def test_okx_rest_through_ccxt() -> None:
    async def go() -> None:
        ex, http = offline_exchange(
            "okx",
            {
                "/api/v5/market/ticker": _okx_ok([OKX_TICKER]),
                "/api/v5/market/books": _okx_ok([OKX_BOOK]),
                "/api/v5/market/trades": _okx_ok(OKX_TRADES),
                "/api/v5/public/funding-rate": _okx_ok([OKX_FUNDING]),
                "/api/v5/public/open-interest": _okx_ok([OKX_OI]),
            },
            {"options": {"fetchMarkets": {"types": ["spot", "swap"]}}},
        )
        try:
            sym = "BTC/USDT:USDT"
            t = await ex.fetch_ticker(sym)
            b = await ex.fetch_order_book(sym)
            tr = await ex.fetch_trades(sym)
            fr = await ex.fetch_funding_rate(sym)
            o = await ex.fetch_open_interest(sym)
        finally:
            await ex.close()
        assert all("instId=BTC-USDT-SWAP" in u for u in http.urls()[2:])
        native = "BTC-USDT-SWAP"
        tick = ticker_from_unified(t, native, TS)
        (ref,) = okx_parse.parse_ticker({"data": [OKX_TICKER]}, TS)
        assert (tick.bid, tick.ask, tick.bid_qty, tick.ask_qty, tick.price, tick.ts_event) == (
            ref.bid,
            ref.ask,
            ref.bid_qty,
            ref.ask_qty,
            ref.price,
            ref.ts_event,
        )
        bm = book_from_unified(b, native, TS)
        assert bm.bids == [(30243.5, 87.0), (30242.1, 15.0)]
        assert bm.asks == [(30243.6, 120.0), (30244.0, 8.0)]
        (trade,) = trades_from_unified(tr, native, TS)
        (ref_trade,) = okx_parse.parse_trades({"data": OKX_TRADES}, TS)
        assert (
            (trade.price, trade.buy_volume)
            == (ref_trade.price, ref_trade.buy_volume)
            == (30243.5, 3.0)
        )
        assert funding_from_unified(fr, native, TS).funding_rate == (
            okx_parse.parse_funding_rate(OKX_FUNDING, TS).funding_rate
        )
        assert open_interest_from_unified(o, native, TS).open_interest == (
            okx_parse.parse_open_interest(OKX_OI, TS).open_interest
        )

    _run(go())


# --- Kraken and Kraken Futures: ccxt's own static fixtures -----------------------------------

# Keys whose expected value depends on ccxt's version or on the (hand-written) market fees
# rather than on the response: the fixtures come from other ccxt commits than the one installed.
_VERSION_OR_MARKET_KEYS = {
    ("kraken", "fetchTicker"): {"bidVolume", "askVolume"},
    ("krakenfutures", "fetchTrades"): {"fee", "fees"},
}


def _fixture_cases() -> list[tuple[str, str, int]]:
    cases = [("kraken", m, 0) for m in ("fetchTicker", "fetchTrades", "fetchOHLCV")]
    cases += [("krakenfutures", m, 0) for m in ("fetchTrades", "fetchFundingRates")]
    return cases


def _strip(value: Any, keys: set[str]) -> Any:
    if isinstance(value, list):
        return [_strip(v, keys) for v in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in keys}
    return value


@pytest.mark.parametrize(("venue", "method", "index"), _fixture_cases())
def test_ccxt_static_fixture(shared_data: object, venue: str, method: str, index: int) -> None:
    path = shared_data_dir() / "ccxt_static" / "response" / f"{venue}.json"
    case = json.loads(path.read_text())["methods"][method][index]

    async def go() -> Any:
        # "" matches every URL that is not a markets URL: the case's single response body.
        ex, http = offline_exchange(venue, {"": case["httpResponse"]})
        try:
            result = await getattr(ex, method)(*case["input"])
        finally:
            await ex.close()
        assert len(http.calls) >= 2  # markets, then the method's own request
        return result

    result = jsonable(_run(go()))
    skip = _VERSION_OR_MARKET_KEYS.get((venue, method), set())
    assert _strip(result, skip) == _strip(case["parsedResponse"], skip)
    if (venue, method) == ("kraken", "fetchTicker"):
        # The installed ccxt now reads Kraken's lot volume at the touch ("1.000").
        assert (result["bidVolume"], result["askVolume"]) == (1.0, 1.0)
        tick = ticker_from_unified(result, "XBTUSDT", TS)
        assert (tick.bid, tick.ask, tick.price, tick.ts_event) == (73380.6, 73380.7, 73380.6, TS)
