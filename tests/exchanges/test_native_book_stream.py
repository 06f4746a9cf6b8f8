"""The live book path over the real ccxt.pro code, offline: recorded native book messages go in
through a fake WebSocket (ccxt.pro's ``handle_message``), our own book checks them, and the
ExchangeFeed emits quote ticks only from a valid book; a lost or corrupted message makes the feed
resync by itself (Binance: REST snapshot; OKX: unsubscribe + subscribe) and become valid again."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from quantum.exchanges.binanceusdm.config import BinanceUsdmConfig
from quantum.exchanges.binanceusdm.factory import create_data_client as binance_client
from quantum.exchanges.binanceusdm.parse import parse_book_snapshot
from quantum.exchanges.binanceusdm.parse import parse_ws_message as binance_parse
from quantum.exchanges.bybit.parse import parse_ws_message as bybit_parse
from quantum.exchanges.common.book_stream import is_book_message
from quantum.exchanges.common.book_sync import BookSync
from quantum.exchanges.common.checksum import okx_checksum
from quantum.exchanges.common.offline import OfflineWs
from quantum.exchanges.kraken.config import KrakenConfig
from quantum.exchanges.kraken.factory import create_data_client as kraken_client
from quantum.exchanges.krakenfutures.parse import parse_ws_message as kf_parse
from quantum.exchanges.okx.config import OkxConfig
from quantum.exchanges.okx.factory import create_data_client as okx_client
from quantum.exchanges.okx.parse import parse_ws_message as okx_parse
from quantum.runtime.exchange_feeds import ExchangeFeed
from quantum.runtime.feeds import Chunk
from quantum.runtime.venues import exchange_feed

from .captures import cryptofeed_jsonl, cryptofeed_text, hftbacktest_lines
from .ccxt_helpers import offline_exchange

RECV_NS = 1_800_000_000_000_000_000
Top = tuple[float, float, float, float]


async def _no_wait(_s: float) -> None:
    await asyncio.sleep(0)


async def _settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


def _binance_capture() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    snapshot: dict[str, Any] | None = None
    deltas: list[dict[str, Any]] = []
    for _, raw in list(hftbacktest_lines("binance_usdm_btcusdt_20240808.jsonl.gz"))[:4000]:
        msg = orjson.loads(raw)
        if "stream" not in msg:
            snapshot = msg
        elif msg["data"]["e"] == "depthUpdate":
            deltas.append(msg["data"])
    assert snapshot is not None
    return snapshot, deltas


def _tops(chunks: list[Chunk]) -> list[tuple[int, Top]]:
    out: list[tuple[int, Top]] = []
    for c in chunks:
        for i in range(len(c["ts_event"])):
            top = (
                float(c["bid"][i]),
                float(c["bid_qty"][i]),
                float(c["ask"][i]),
                float(c["ask_qty"][i]),
            )
            out.append((int(c["ts_event"][i]), top))
    return out


def _reference_tops(snapshot: dict[str, Any], deltas: list[dict[str, Any]]) -> dict[int, set[Top]]:
    """Every top of the clean Binance book, by ts_event (several messages may share one)."""
    sync = BookSync("binanceusdm", "BTCUSDT")
    out: dict[int, set[Top]] = {}
    events = [parse_book_snapshot(snapshot, "BTCUSDT", RECV_NS)]
    events += [e for d in deltas for e in binance_parse(d, RECV_NS)]
    for e in events:
        t = sync.apply(e)
        if t is not None:
            top = (t.bid, t.bid_qty, t.ask, t.ask_qty)
            out.setdefault(t.ts_event, set()).add(top)  # type: ignore[arg-type]
    return out


async def _run_feed(
    feed: ExchangeFeed, script: Callable[[list[Chunk]], Awaitable[None]]
) -> list[Chunk]:
    got: list[Chunk] = []

    async def consume() -> None:
        async for chunk in feed.chunks():
            got.append(chunk)

    task = asyncio.ensure_future(consume())
    try:
        await script(got)
        await _settle(20)
        assert not task.done() or task.exception() is None
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return got


def test_binance_clean_capture_gives_checked_quotes_and_no_false_gaps(shared_data: Path) -> None:
    snapshot, deltas = _binance_capture()
    expected = _reference_tops(snapshot, deltas)

    async def go() -> tuple[list[Chunk], ExchangeFeed, list[str]]:
        ex, http = offline_exchange(
            "binanceusdm",
            {"/fapi/v1/depth": snapshot},
            {"options": {"fetchMarkets": {"types": ["linear"]}}},
        )
        ws = OfflineWs(ex).install()
        client = binance_client(
            BinanceUsdmConfig(), exchange=ex, clock_ns=lambda: RECV_NS, sleep=_no_wait
        )
        feed = ExchangeFeed(client, {"BTCUSDT": "BTC/USDT:USDT"}, ["book"])
        assert feed.books is not None

        async def script(_got: list[Chunk]) -> None:
            sent = await ws.wait_sent(1)
            assert sent[-1]["params"] == ["btcusdt@depth@100ms"]
            ws.feed({"result": None, "id": sent[-1]["id"]})
            for d in deltas:
                ws.feed(d)
                await _settle(3)

        try:
            got = await _run_feed(feed, script)
        finally:
            await ex.close()
        return got, feed, http.urls()

    chunks, feed, urls = asyncio.run(go())
    st = feed.status()
    book = st["books"]["BTCUSDT"]  # type: ignore[index]
    assert (st["gaps"], st["checksum_failures"], st["resyncs"]) == (0, 0, 0)
    assert st["books_valid"] is True and book["valid"] and book["updates"] > 200
    # Our REST snapshot (1000 levels) besides ccxt's own; nothing else.
    assert any("/fapi/v1/depth?symbol=BTCUSDT&limit=1000" in u for u in urls)
    ticks = _tops(chunks)
    assert len(ticks) >= book["updates"] - 3
    # Every quote is the top of the clean book at that message.
    assert all(top in expected[ts] for ts, top in ticks)
    assert all(c["symbol"].dtype == np.uint32 for c in chunks)


def _rest_body(sync: BookSync, at: dict[str, Any]) -> dict[str, Any]:
    """Binance's REST depth body for the book ``sync`` holds after delta ``at``."""
    assert sync.book is not None
    bids, asks = sync.book.top(1000)
    return {
        "lastUpdateId": at["u"],
        "E": at["E"],
        "T": at["T"],
        "bids": [[repr(p), repr(q)] for p, q in bids],
        "asks": [[repr(p), repr(q)] for p, q in asks],
    }


def test_binance_lost_delta_invalidates_and_rest_resync_recovers(shared_data: Path) -> None:
    snapshot, deltas = _binance_capture()
    first_u = snapshot["lastUpdateId"]
    start = next(i for i, d in enumerate(deltas) if d["u"] >= first_u)
    lost = start + 50
    anchor = lost + 6  # the venue's book when our REST snapshot is taken
    # The REST snapshot the venue would serve at `anchor`: the clean book at that delta.
    clean = BookSync("binanceusdm", "BTCUSDT")
    clean.apply(parse_book_snapshot(snapshot, "BTCUSDT", 0))
    for d in deltas[: anchor + 1]:
        for e in binance_parse(d, RECV_NS):
            clean.apply(e)
    resync_body = _rest_body(clean, deltas[anchor])
    window = (
        {d["T"] for d in deltas[lost:anchor]}
        - {d["T"] for d in deltas[anchor:]}
        - {d["T"] for d in deltas[:lost]}
    )
    expected = _reference_tops(snapshot, deltas)

    async def go() -> tuple[list[Chunk], ExchangeFeed, list[bool]]:
        ex, http = offline_exchange(
            "binanceusdm",
            {"/fapi/v1/depth": snapshot},
            {"options": {"fetchMarkets": {"types": ["linear"]}}},
        )
        ws = OfflineWs(ex).install()
        client = binance_client(
            BinanceUsdmConfig(), exchange=ex, clock_ns=lambda: RECV_NS, sleep=_no_wait
        )
        feed = ExchangeFeed(client, {"BTCUSDT": "BTC/USDT:USDT"}, ["book"])
        assert feed.books is not None
        sync = feed.books.books["BTCUSDT"]
        validity: list[bool] = []

        async def script(got: list[Chunk]) -> None:
            sent = await ws.wait_sent(1)
            ws.feed({"result": None, "id": sent[-1]["id"]})
            for i, d in enumerate(deltas):
                if i == lost:
                    # Lost in transit; from now on the venue's REST book is the later one.
                    http.routes["/fapi/v1/depth"] = resync_body
                    continue
                if i == lost + 1:
                    before = sum(len(c["ts_event"]) for c in got)
                    ws.feed(d)
                    await _settle(1)
                    validity.append(sync.valid)
                    # Nothing came out of the delta that broke the chain.
                    assert sum(len(c["ts_event"]) for c in got) == before
                    await _settle(5)
                    continue
                ws.feed(d)
                await _settle(3)
            validity.append(sync.valid)

        try:
            got = await _run_feed(feed, script)
        finally:
            await ex.close()
        return got, feed, validity

    chunks, feed, validity = asyncio.run(go())
    st = feed.status()
    book = st["books"]["BTCUSDT"]  # type: ignore[index]
    assert validity == [False, True]
    assert st["gaps"] == 1 and st["resyncs"] == 1 and st["books_valid"] is True
    assert book["resync_requests"] == 2  # the first snapshot, then the resync
    ticks = _tops(chunks)
    # No quote from the deltas the invalid book could not apply, and every quote is the top of
    # the clean book at its message.
    assert window and not {ts for ts, _ in ticks} & window
    assert all(top in expected[ts] for ts, top in ticks)


def _okx_books() -> list[dict[str, Any]]:
    return [
        m
        for _, m in cryptofeed_text("cryptofeed_OKX.ws.1.0.txt.gz")
        if isinstance(m, dict)
        and m.get("arg", {}).get("channel") == "books"
        and m["arg"]["instId"] == "BTC-USDT"
        and "data" in m
    ]


def _okx_snapshot(sync: BookSync, at: dict[str, Any]) -> dict[str, Any]:
    """The snapshot OKX sends on a new subscription: the clean book as of message ``at``."""
    assert sync.book is not None
    bids, asks = sync.book.top(400)

    def text(v: float) -> str:
        s = repr(v)
        return s[:-2] if s.endswith(".0") else s

    b = [(text(p), text(q)) for p, q in bids]
    a = [(text(p), text(q)) for p, q in asks]
    return {
        "arg": {"channel": "books", "instId": "BTC-USDT"},
        "action": "snapshot",
        "data": [
            {
                "asks": [[p, q, "0", "1"] for p, q in a],
                "bids": [[p, q, "0", "1"] for p, q in b],
                "ts": at["data"][0]["ts"],
                "checksum": okx_checksum(b, a),
            }
        ],
    }


def test_okx_corrupted_checksum_resubscribes_and_recovers(shared_data: Path) -> None:
    msgs = _okx_books()
    assert msgs[0]["action"] == "snapshot"
    bad_at, resume = 40, 50
    clean = BookSync("okx", "BTC-USDT")
    for m in msgs[:resume]:
        for e in okx_parse(m, RECV_NS):
            clean.apply(e)
    fresh = _okx_snapshot(clean, msgs[resume - 1])

    async def go() -> tuple[list[Chunk], ExchangeFeed, list[Any], list[int]]:
        ex, _http = offline_exchange("okx", {}, {"options": {"fetchMarkets": {"types": ["spot"]}}})
        ws = OfflineWs(ex).install()
        client = okx_client(OkxConfig(), exchange=ex, clock_ns=lambda: RECV_NS, sleep=_no_wait)
        feed = ExchangeFeed(client, {"BTC-USDT": "BTC/USDT"}, ["book"])
        counts: list[int] = []

        async def script(got: list[Chunk]) -> None:
            def n() -> int:
                return sum(len(c["ts_event"]) for c in got)

            sent = await ws.wait_sent(1)
            ws.feed({"event": "subscribe", "arg": sent[-1]["args"][0]})
            for m in msgs[:bad_at]:
                ws.feed(m)
                await _settle(3)
            counts.append(n())
            bad = copy.deepcopy(msgs[bad_at])
            bad["data"][0]["checksum"] = bad["data"][0]["checksum"] ^ 0x5A5A
            ws.feed(bad)
            await _settle(10)
            assert ws.sent()[-1] == {"op": "unsubscribe", "args": [sent[0]["args"][0]]}
            for m in msgs[bad_at + 1 : resume]:
                ws.feed(m)  # still arriving while the unsubscribe is on its way
                await _settle(3)
            counts.append(n())
            ws.feed({"event": "unsubscribe", "arg": sent[0]["args"][0]})
            await _settle(20)
            assert ws.sent()[-1] == sent[0]  # subscribed again
            ws.feed({"event": "subscribe", "arg": sent[0]["args"][0]})
            ws.feed(fresh)
            await _settle(5)
            counts.append(n())
            for m in msgs[resume:]:
                ws.feed(m)
                await _settle(3)

        try:
            got = await _run_feed(feed, script)
        finally:
            await ex.close()
        return got, feed, ws.sent(), counts

    chunks, feed, _sent, counts = asyncio.run(go())
    st = feed.status()
    assert st["checksum_failures"] == 1 and st["resyncs"] == 1 and st["gaps"] == 0
    assert st["books_valid"] is True
    # No quote while invalid, one from the fresh snapshot, then one per applied update.
    assert counts[1] == counts[0] and counts[2] == counts[1] + 1
    assert sum(len(c["ts_event"]) for c in chunks) == counts[2] + len(msgs) - resume
    for m in msgs[resume:]:
        for e in okx_parse(m, RECV_NS):
            clean.apply(e)
    sync = feed.books.books["BTC-USDT"]  # type: ignore[union-attr]
    assert sync.book.top(25) == clean.book.top(25)  # type: ignore[union-attr]


def test_kraken_spot_book_takes_the_native_path() -> None:
    ex, _ = offline_exchange("kraken", {})
    client = kraken_client(KrakenConfig(), exchange=ex)
    feed = ExchangeFeed(client, {"XBTUSDT": "BTC/USDT"}, ["book"])
    assert feed.books is not None and feed.status()["native_book"] is True
    # Kraken spot keeps the subscribed depth (v2's default 10 unless a limit is given).
    assert feed.books.books["XBTUSDT"].max_depth == 10


@pytest.mark.parametrize(
    ("venue", "message", "expected"),
    [
        ("binanceusdm", {"e": "depthUpdate"}, True),
        ("binanceusdm", {"stream": "x", "data": {"e": "trade"}}, False),
        ("bybit", {"topic": "orderbook.50.BTCUSDT"}, True),
        ("bybit", {"topic": "publicTrade.BTCUSDT"}, False),
        ("okx", {"arg": {"channel": "books"}, "data": []}, True),
        ("okx", {"event": "subscribe", "arg": {"channel": "books"}}, False),
        ("kraken", {"channel": "book", "type": "update", "data": []}, True),
        ("kraken", {"channel": "book", "type": "other"}, False),
        ("kraken", {"channel": "trade", "type": "update", "data": []}, False),
        ("krakenfutures", {"feed": "book_snapshot"}, True),
        ("krakenfutures", {"feed": "ticker"}, False),
    ],
)
def test_is_book_message(venue: str, message: Any, expected: bool) -> None:
    assert is_book_message(venue, message) is expected


def _bybit_books() -> list[dict[str, Any]]:
    return [
        m
        for conn, _, m in cryptofeed_jsonl("cryptofeed_BYBIT_v5_linear_spot_20260809.jsonl.gz")
        if conn == "BYBIT.ws.2" and m.get("topic") == "orderbook.200.BTCUSDT"
    ]


def _kf_books() -> list[dict[str, Any]]:
    return [
        m
        for _, m in cryptofeed_text("cryptofeed_KRAKEN_FUTURES.ws.1.0.txt.gz")
        if isinstance(m, dict)
        and m.get("product_id") == "PI_ETHUSD"
        and m.get("feed") in ("book", "book_snapshot")
    ]


def _bybit_snapshot(sync: BookSync, at: dict[str, Any]) -> dict[str, Any]:
    """What Bybit sends on a new subscription: the book as of ``at`` with its ``u``."""
    assert sync.book is not None
    bids, asks = sync.book.top(200)
    return {
        "topic": at["topic"],
        "type": "snapshot",
        "ts": at["ts"],
        "cts": at.get("cts", at["ts"]),
        "data": {
            "s": "BTCUSDT",
            "b": [[repr(p), repr(q)] for p, q in bids],
            "a": [[repr(p), repr(q)] for p, q in asks],
            "u": at["data"]["u"],
            "seq": at["data"].get("seq", 0),
        },
    }


def _kf_snapshot(sync: BookSync, at: dict[str, Any]) -> dict[str, Any]:
    """What Kraken Futures sends on a new subscription: the book as of ``at`` with its ``seq``."""
    assert sync.book is not None
    bids, asks = sync.book.top(10_000)
    return {
        "feed": "book_snapshot",
        "product_id": "PI_ETHUSD",
        "timestamp": at["timestamp"],
        "seq": at["seq"],
        "bids": [{"price": p, "qty": q} for p, q in bids],
        "asks": [{"price": p, "qty": q} for p, q in asks],
    }


WS_VENUES = [
    ("bybit", "BTC/USDT:USDT", "BTCUSDT", _bybit_books, bybit_parse, _bybit_snapshot),
    ("krakenfutures", "ETH/USD:ETH", "PI_ETHUSD", _kf_books, kf_parse, _kf_snapshot),
]


@pytest.mark.parametrize(
    ("venue", "unified", "native", "source", "parse", "snapshot_of"),
    WS_VENUES,
    ids=[v[0] for v in WS_VENUES],
)
def test_lost_delta_resubscribes_and_recovers(
    shared_data: Path,
    venue: str,
    unified: str,
    native: str,
    source: Callable[[], list[dict[str, Any]]],
    parse: Callable[[Any, int], list[Any]],
    snapshot_of: Callable[[BookSync, dict[str, Any]], dict[str, Any]],
) -> None:
    msgs = source()
    first = next(
        i
        for i, m in enumerate(msgs)
        if m.get("type", m.get("feed")) in ("snapshot", "book_snapshot")
    )
    lost, resume = first + 30, first + 40
    clean = BookSync(venue, native)
    for m in msgs[:resume]:
        for e in parse(m, RECV_NS):
            clean.apply(e)
    fresh = snapshot_of(clean, msgs[resume - 1])
    options = {"options": {"fetchMarkets": {"types": ["linear"]}}} if venue == "bybit" else None

    async def go() -> tuple[list[Chunk], ExchangeFeed, list[int]]:
        ex, _http = offline_exchange(venue, {}, options)
        await ex.load_markets()
        ws = OfflineWs(ex).install()
        feed = exchange_feed(
            venue, [unified], ["book"], exchange=ex, client_options={"sleep": _no_wait}
        )
        counts: list[int] = []

        async def script(got: list[Chunk]) -> None:
            def n() -> int:
                return sum(len(c["ts_event"]) for c in got)

            sent = await ws.wait_sent(1)
            subscribe = sent[0]
            for m in msgs[first:lost]:
                ws.feed(m)
                await _settle(3)
            counts.append(n())
            for m in msgs[lost + 1 : resume]:  # msgs[lost] never arrives
                ws.feed(m)
                await _settle(3)
            counts.append(n())
            if venue == "bybit":
                # ccxt's unwatch for the same topic; the venue acknowledges it.
                unsub = ws.sent()[-1]
                assert unsub["op"] == "unsubscribe" and unsub["args"] == subscribe["args"]
                ws.feed(
                    {
                        "success": True,
                        "ret_msg": "",
                        "op": "unsubscribe",
                        "req_id": str(unsub["req_id"]),
                        "conn_id": "c",
                    }
                )
                await _settle(20)
                again = ws.sent()[-1]
                assert again["op"] == "subscribe" and again["args"] == subscribe["args"]
            else:
                # No unwatch in ccxt for Kraken Futures: the native frames on its connection.
                assert ws.sent()[-2:] == [{**subscribe, "event": "unsubscribe"}, subscribe]
            ws.feed(fresh)
            await _settle(5)
            counts.append(n())
            for m in msgs[resume:]:
                ws.feed(m)
                await _settle(3)

        try:
            got = await _run_feed(feed, script)
        finally:
            await ex.close()
        return got, feed, counts

    chunks, feed, counts = asyncio.run(go())
    st = feed.status()
    assert (st["gaps"], st["resyncs"], st["checksum_failures"]) == (1, 1, 0)
    assert st["books_valid"] is True
    # Silent from the lost delta until the fresh snapshot, which yields one quote.
    assert counts[1] == counts[0] and counts[2] == counts[1] + 1
    for m in msgs[resume:]:
        for e in parse(m, RECV_NS):
            clean.apply(e)
    sync = feed.books.books[native]  # type: ignore[union-attr]
    assert sync.book.top(10) == clean.book.top(10)  # type: ignore[union-attr]
    assert sum(len(c["ts_event"]) for c in chunks) == counts[2] + sync.status()["updates"] - (
        lost - first - 1
    )
