"""WebSocket through real ccxt.pro with a fake connection: recorded native messages are fed to
the exchange's ``handle_message`` and the ``watch_*`` results are checked against the books and
trades our own parsers build from the same messages. No socket is opened.
"""

from __future__ import annotations

import asyncio
import heapq
from typing import Any

import orjson

from quantum.exchanges.binanceusdm import parse as binance_parse
from quantum.exchanges.bybit import parse as bybit_parse
from quantum.exchanges.common.checksum import OkxChecksumBook
from quantum.exchanges.common.offline import OfflineWs
from quantum.exchanges.common.types import BookMessage
from quantum.exchanges.common.unified import book_from_unified, trades_from_unified
from quantum.exchanges.krakenfutures import parse as kf_parse
from quantum.exchanges.okx import parse as okx_parse

from .captures import cryptofeed_jsonl, cryptofeed_text, hftbacktest_lines
from .ccxt_helpers import offline_exchange


class RefBook:
    """A plain L2 book for the comparison: price -> qty, qty 0 deletes."""

    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}

    def apply(self, msg: BookMessage) -> None:
        if msg.is_snapshot:
            self.bids.clear()
            self.asks.clear()
        for side, levels in ((self.bids, msg.bids), (self.asks, msg.asks)):
            for price, qty in levels:
                if qty == 0.0:
                    side.pop(price, None)
                else:
                    side[price] = qty

    def top(self, n: int) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
        bids = [(p, self.bids[p]) for p in heapq.nlargest(n, self.bids)]
        asks = [(p, self.asks[p]) for p in heapq.nsmallest(n, self.asks)]
        return bids, asks


async def _done(task: asyncio.Future[Any]) -> Any:
    # Waits for the condition (the watch resolving), with a bound so a broken feed fails fast.
    return await asyncio.wait_for(task, timeout=10)


def test_binanceusdm_watch_order_book_and_trades(shared_data: object) -> None:
    lines = [
        (ts, orjson.loads(raw))
        for ts, raw in list(hftbacktest_lines("binance_usdm_btcusdt_20240808.jsonl.gz"))[:4000]
    ]
    snapshot = next(m for _, m in lines if "lastUpdateId" in m)
    depth = [(ts, m["data"]) for ts, m in lines if m.get("data", {}).get("e") == "depthUpdate"]
    trades = [(ts, m["data"]) for ts, m in lines if m.get("data", {}).get("e") == "trade"]

    async def go() -> None:
        ex, http = offline_exchange(
            "binanceusdm",
            {"/fapi/v1/depth": snapshot},
            {"options": {"fetchMarkets": {"types": ["linear"]}}},
        )
        ws = OfflineWs(ex).install()
        sym = "BTC/USDT:USDT"
        try:
            await ex.load_markets()
            book_task = asyncio.ensure_future(ex.watch_order_book(sym))
            (sub,) = await ws.wait_sent(1)
            assert sub["method"] == "SUBSCRIBE" and sub["params"][0].startswith("btcusdt@depth")
            ws.feed({"result": None, "id": sub["id"]})
            for _, d in depth:
                ws.feed(d)
                await asyncio.sleep(0)
            ccxt_book = await _done(book_task)
            assert any("/fapi/v1/depth" in u for u in http.urls())

            trade_task = asyncio.ensure_future(ex.watch_trades(sym))
            await asyncio.sleep(0)
            sent = await ws.wait_sent(1 if len(ws.connections) == 2 else 2)
            assert sent[-1]["params"] == ["btcusdt@trade"]
            ws.feed({"result": None, "id": sent[-1]["id"]})
            for _, t in trades[:50]:
                ws.feed(t)
            got = await _done(trade_task)
        finally:
            await ex.close()

        # Our side: snapshot then every delta with u >= lastUpdateId, in order.
        ref = RefBook()
        snap = binance_parse.parse_book_snapshot(snapshot, "BTCUSDT", 0)
        ref.apply(snap)
        assert snap.last_id is not None
        applied = 0
        for ts, d in depth:
            msg = binance_parse.parse_book_delta(d, ts)
            if msg.last_id is not None and msg.last_id >= snap.last_id:
                ref.apply(msg)
                applied += 1
        assert applied > 100
        assert ccxt_book["nonce"] == depth[-1][1]["u"]
        ours = book_from_unified(ccxt_book, "BTCUSDT", 0, depth=50)
        assert (ours.bids, ours.asks) == ref.top(50)

        mine = [binance_parse.parse_trade(t, ts) for ts, t in trades[:50]]
        theirs = trades_from_unified(got, "BTCUSDT", 0)
        assert len(theirs) >= 1
        # ccxt returns the trades since the watch started, newest last; compare the same tail.
        tail = mine[-len(theirs) :]
        assert [(t.price, t.volume, t.buy_volume, t.ts_event) for t in theirs] == [
            (t.price, t.volume, t.buy_volume, t.ts_event) for t in tail
        ]

    asyncio.run(go())


def test_okx_watch_order_book_validates_recorded_checksums(shared_data: object) -> None:
    msgs = [
        m
        for _, m in cryptofeed_text("cryptofeed_OKX.ws.1.0.txt.gz")
        if m.get("arg", {}).get("channel") == "books"
        and m["arg"]["instId"] == "BTC-USDT"
        and "action" in m
    ]
    assert len(msgs) > 20

    async def go() -> Any:
        ex, _ = offline_exchange("okx", {}, {"options": {"fetchMarkets": {"types": ["spot"]}}})
        ws = OfflineWs(ex).install()
        try:
            await ex.load_markets()
            task = asyncio.ensure_future(ex.watch_order_book("BTC/USDT"))
            (sub,) = await ws.wait_sent(1)
            assert sub["op"] == "subscribe" and sub["args"][0]["instId"] == "BTC-USDT"
            assert sub["args"][0]["channel"] == "books"
            for m in msgs:
                ws.feed(m)
            first = await _done(task)
            return ex.orderbooks["BTC/USDT"], first
        finally:
            await ex.close()

    book, first = asyncio.run(go())
    assert first["symbol"] == "BTC/USDT"
    ref = OkxChecksumBook()
    for m in msgs:
        for ev in okx_parse.parse_book(m, 0):
            ref.apply(ev)  # our checksum agrees with every message too
    bids, asks = ref.top(25)
    ours = book_from_unified(book, "BTC-USDT", 0, depth=25)
    assert ours.bids == [(float(p), float(q)) for p, q in bids]
    assert ours.asks == [(float(p), float(q)) for p, q in asks]


def test_bybit_watch_order_book_and_trades(shared_data: object) -> None:
    recorded = [
        (ts, m)
        for conn, ts, m in cryptofeed_jsonl("cryptofeed_BYBIT_v5_linear_spot_20260809.jsonl.gz")
        if conn == "BYBIT.ws.2" and m.get("topic", "").endswith(".BTCUSDT")
    ]
    books = [m for _, m in recorded if m["topic"] == "orderbook.200.BTCUSDT"]
    trades = [m for _, m in recorded if m["topic"] == "publicTrade.BTCUSDT"]
    assert books[0]["type"] == "snapshot" and len(books) > 100 and trades

    async def go() -> tuple[Any, Any]:
        ex, _ = offline_exchange("bybit", {}, {"options": {"fetchMarkets": {"types": ["linear"]}}})
        ws = OfflineWs(ex).install()
        try:
            await ex.load_markets()
            task = asyncio.ensure_future(ex.watch_order_book("BTC/USDT:USDT", 200))
            (sub,) = await ws.wait_sent(1)
            assert sub["args"] == ["orderbook.200.BTCUSDT"]
            for m in books:
                ws.feed(m)
            await _done(task)
            trade_task = asyncio.ensure_future(ex.watch_trades("BTC/USDT:USDT"))
            await asyncio.sleep(0)
            sent = await ws.wait_sent(1 if len(ws.connections) == 2 else 2)
            assert sent[-1]["args"] == ["publicTrade.BTCUSDT"]
            for m in trades:
                ws.feed(m)
            return ex.orderbooks["BTC/USDT:USDT"], await _done(trade_task)
        finally:
            await ex.close()

    book, got = asyncio.run(go())
    ref = RefBook()
    for m in books:
        ref.apply(bybit_parse.parse_book(m, 0))
    ours = book_from_unified(book, "BTCUSDT", 0, depth=200)
    assert (ours.bids, ours.asks) == ref.top(200)
    mine = [t for m in trades for t in bybit_parse.parse_trades(m, 0)]
    theirs = trades_from_unified(got, "BTCUSDT", 0)
    tail = mine[-len(theirs) :]
    assert [(t.price, t.volume, t.sell_volume) for t in theirs] == [
        (t.price, t.volume, t.sell_volume) for t in tail
    ]


def test_krakenfutures_watch_order_book(shared_data: object) -> None:
    msgs = [
        m
        for _, m in cryptofeed_text("cryptofeed_KRAKEN_FUTURES.ws.1.0.txt.gz")
        if m.get("product_id") == "PI_ETHUSD" and m.get("feed") in ("book_snapshot", "book")
    ]
    assert msgs[0]["feed"] == "book_snapshot" and len(msgs) > 100

    async def go() -> Any:
        ex, _ = offline_exchange("krakenfutures", {})
        ws = OfflineWs(ex).install()
        try:
            await ex.load_markets()
            task = asyncio.ensure_future(ex.watch_order_book("ETH/USD:ETH"))
            (sub,) = await ws.wait_sent(1)
            assert sub["feed"] == "book" and sub["product_ids"] == ["PI_ETHUSD"]
            for m in msgs:
                ws.feed(m)
            await _done(task)
            return ex.orderbooks["ETH/USD:ETH"]
        finally:
            await ex.close()

    book = asyncio.run(go())
    ref = RefBook()
    for m in msgs:
        (ev,) = kf_parse.parse_ws_message(m, 0)
        assert isinstance(ev, BookMessage)
        ref.apply(ev)
    ours = book_from_unified(book, "PI_ETHUSD", 0, depth=25)
    assert (ours.bids, ours.asks) == ref.top(25)
