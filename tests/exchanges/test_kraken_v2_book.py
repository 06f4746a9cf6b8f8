"""Kraken spot WebSocket v2 books (what ccxt.pro subscribes to) through our own checked book.

The real v1 capture is rewritten as v2 messages: the same levels as JSON numbers (so they reach
the parser as floats, as from ccxt's decoder), the same checksums (v2 keeps v1's algorithm). The
2021 capture prints XBT/CHF prices with 5 decimals and volumes with 8.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from quantum.errors import DataError
from quantum.exchanges.common.book_sync import BookSync
from quantum.exchanges.common.checksum import kraken_checksum
from quantum.exchanges.common.offline import OfflineWs
from quantum.exchanges.common.types import BookMessage, Tick
from quantum.exchanges.kraken.parse import parse_ws_message as v1_parse
from quantum.exchanges.kraken.parse_v2 import decimals_of_tick, iso_to_ns, parse_ws_message_v2
from quantum.runtime.exchange_feeds import ExchangeFeed
from quantum.runtime.feeds import Chunk
from quantum.runtime.venues import exchange_feed

from .captures import cryptofeed_text
from .ccxt_helpers import offline_exchange

V1_PAIR = "XBT/CHF"
SYMBOL = "BTC/CHF"  # v2 (and ccxt) name of the pair
DECIMALS = {SYMBOL: (5, 8)}
RECV_NS = 1_800_000_000_000_000_000


def _iso(ns: int) -> str:
    whole, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{frac // 1000:06d}Z"


def _levels(text: list[tuple[str, str]]) -> list[dict[str, float]]:
    return [{"price": float(p), "qty": float(q)} for p, q in text]


def _to_v2(msg: BookMessage, checksum: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "symbol": SYMBOL,
        "bids": _levels(msg.bids_text or []),
        "asks": _levels(msg.asks_text or []),
        "checksum": checksum,
        "timestamp": _iso(msg.ts_event),
    }
    kind = "snapshot" if msg.is_snapshot else "update"
    return {"channel": "book", "type": kind, "data": [entry]}


def _snapshot_checksum(msg: BookMessage) -> int:
    # v1 snapshots carry no checksum, v2 ones do: the venue's CRC of the snapshot's top 10.
    return kraken_checksum(msg.bids_text or [], msg.asks_text or [])


def v1_and_v2() -> list[tuple[BookMessage, str]]:
    """(v1-parsed message, the same message as v2 JSON text) of XBT/CHF in the capture."""
    out: list[tuple[BookMessage, str]] = []
    for ts, m in cryptofeed_text("cryptofeed_KRAKEN.ws.50.0.txt.gz"):
        if not (isinstance(m, list) and m[-1] == V1_PAIR):
            continue
        for e in v1_parse(m, ts):
            if isinstance(e, BookMessage):
                c = _snapshot_checksum(e) if e.is_snapshot else e.checksum
                out.append((e, orjson.dumps(_to_v2(e, c)).decode()))
    return out


def _v2(text: str, ts: int = RECV_NS) -> BookMessage:
    events = parse_ws_message_v2(orjson.loads(text), ts, DECIMALS)
    assert len(events) == 1 and isinstance(events[0], BookMessage)
    return events[0]


def test_v2_numbers_print_back_as_the_venue_printed_them(shared_data: Path) -> None:
    pairs = v1_and_v2()
    assert len(pairs) > 250 and pairs[0][0].is_snapshot
    for v1, text in pairs:
        v2 = _v2(text)
        assert (v2.bids_text, v2.asks_text) == (v1.bids_text, v1.asks_text)
        assert (v2.bids, v2.asks) == (v1.bids, v1.asks)
        assert v2.is_snapshot is v1.is_snapshot and v2.symbol == SYMBOL
        # The capture's level stamps have microseconds at most: the ISO round trip is exact.
        assert v2.ts_event == v1.ts_event


def _touching_top(msgs: list[BookMessage], after: int) -> int:
    """The first delta past ``after`` whose first bid is in the top 10 (which the CRC covers)."""
    ref = BookSync("kraken", SYMBOL, max_depth=1000)
    for i, m in enumerate(msgs):
        if i > after and not m.is_snapshot and m.bids and m.bids[0][1] > 0:
            assert ref.book is not None
            bids, _ = ref.book.top(10)
            if len(bids) == 10 and m.bids[0][0] >= bids[-1][0]:
                return i
        ref.apply(m)
    raise AssertionError("no delta touches the top 10")


def _feed(sync: BookSync, msgs: list[BookMessage]) -> list[Tick | None]:
    return [sync.apply(m) for m in msgs]


def test_v2_replay_has_no_false_checksum_failures(shared_data: Path) -> None:
    msgs = [_v2(text) for _, text in v1_and_v2()]
    sync = BookSync("kraken", SYMBOL, max_depth=1000)
    ticks = _feed(sync, msgs)
    st = sync.status()
    assert st["checksum_failures"] == 0 and st["book_errors"] == 0
    assert sync.valid and sync.updates == len(msgs) - 1
    assert sum(t is not None for t in ticks) > 200


def test_v2_corrupted_level_invalidates_and_snapshot_resyncs(shared_data: Path) -> None:
    pairs = v1_and_v2()
    msgs = [_v2(text) for _, text in pairs]
    bad_at = _touching_top(msgs, 50)
    resume = bad_at + 20
    raw = orjson.loads(pairs[bad_at][1])
    # Corrupted in transit: the checksum stays the venue's.
    raw["data"][0]["bids"][0]["qty"] = round(raw["data"][0]["bids"][0]["qty"] + 0.001, 8)
    corrupted = parse_ws_message_v2(raw, RECV_NS, DECIMALS)[0]
    assert isinstance(corrupted, BookMessage)

    clean = BookSync("kraken", SYMBOL, max_depth=1000)
    _feed(clean, msgs[:resume])
    assert clean.valid and clean.book is not None
    bids, asks = clean.book.top(1000)
    fresh_v1 = BookMessage(
        ts_event=msgs[resume - 1].ts_event,
        ts_recv=RECV_NS,
        symbol=SYMBOL,
        is_snapshot=True,
        first_id=None,
        last_id=None,
        prev_id=None,
        bids=bids,
        asks=asks,
        bids_text=[(f"{p:.5f}", f"{q:.8f}") for p, q in bids],
        asks_text=[(f"{p:.5f}", f"{q:.8f}") for p, q in asks],
    )
    fresh = _v2(orjson.dumps(_to_v2(fresh_v1, _snapshot_checksum(fresh_v1))).decode())

    sync = BookSync("kraken", SYMBOL, max_depth=1000)
    _feed(sync, msgs[:bad_at])
    assert sync.valid
    assert sync.apply(corrupted) is None and not sync.valid
    assert sync.checksum_failures == 1
    # No quote ticks while invalid; the deltas are dropped until a snapshot comes.
    assert _feed(sync, msgs[bad_at + 1 : resume]) == [None] * (resume - bad_at - 1)
    assert sync.apply(fresh) is not None and sync.valid and sync.resyncs == 1
    ticks = _feed(sync, msgs[resume:])
    assert sync.valid and sync.checksum_failures == 1
    assert sum(t is not None for t in ticks) > 150
    assert clean.book is not None and sync.book is not None
    _feed(clean, msgs[resume:])
    assert sync.book.top(10) == clean.book.top(10)


@pytest.mark.parametrize(
    ("tick", "decimals"), [(0.1, 1), (1e-08, 8), ("0.00001", 5), (1, 0), (10.0, 0)]
)
def test_decimals_of_tick(tick: float | str, decimals: int) -> None:
    assert decimals_of_tick(tick) == decimals


def test_iso_to_ns_is_exact() -> None:
    assert iso_to_ns("2023-10-06T17:35:55.440295Z") == 1_696_613_755_440_295_000
    assert iso_to_ns("2023-10-06T17:35:55Z") == 1_696_613_755_000_000_000


@pytest.mark.parametrize(
    "message",
    [
        {"channel": "book", "type": "update", "data": [{"symbol": "ETH/USD", "bids": []}]},
        {"channel": "book", "type": "update", "data": [{"symbol": SYMBOL, "bids": [{}]}]},
        {
            "channel": "book",
            "type": "update",
            "data": [{"symbol": SYMBOL, "bids": [{"price": 1.123456, "qty": 1.0}]}],
        },
        {"channel": "book", "type": "other", "data": []},
        {"method": "subscribe", "success": False, "error": "Currency pair not supported"},
        {"channel": "nope", "data": []},
    ],
)
def test_bad_v2_messages_raise_data_error(message: dict[str, Any]) -> None:
    with pytest.raises(DataError):
        parse_ws_message_v2(message, RECV_NS, DECIMALS)


def test_v2_control_messages_yield_nothing() -> None:
    for m in ({"channel": "heartbeat"}, {"channel": "status", "data": []}, {"method": "pong"}):
        assert parse_ws_message_v2(m, RECV_NS, DECIMALS) == []


# ---------------------------------------------------------------- through real ccxt.pro


async def _settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


async def _no_wait(_s: float) -> None:
    return None


def test_ccxt_pro_v2_corrupted_level_resubscribes_and_recovers(shared_data: Path) -> None:
    pairs = v1_and_v2()
    texts = [t for _, t in pairs]
    msgs = [_v2(t) for t in texts]
    bad_at = _touching_top(msgs, 50)
    resume = bad_at + 20
    raw = orjson.loads(texts[bad_at])
    raw["data"][0]["bids"][0]["qty"] = round(raw["data"][0]["bids"][0]["qty"] + 0.001, 8)
    corrupted = orjson.dumps(raw).decode()
    clean = BookSync("kraken", SYMBOL, max_depth=1000)
    for m in msgs[:resume]:
        clean.apply(m)
    assert clean.book is not None
    bids, asks = clean.book.top(1000)
    fresh_v1 = BookMessage(
        ts_event=msgs[resume - 1].ts_event,
        ts_recv=RECV_NS,
        symbol=SYMBOL,
        is_snapshot=True,
        first_id=None,
        last_id=None,
        prev_id=None,
        bids=bids,
        asks=asks,
        bids_text=[(f"{p:.5f}", f"{q:.8f}") for p, q in bids],
        asks_text=[(f"{p:.5f}", f"{q:.8f}") for p, q in asks],
    )
    fresh = orjson.dumps(_to_v2(fresh_v1, _snapshot_checksum(fresh_v1))).decode()

    async def go() -> tuple[list[Chunk], ExchangeFeed, list[int]]:
        ex, _http = offline_exchange("kraken", {})
        await ex.load_markets()
        # The capture's prints: 5 price decimals (today's XBT/CHF pair_decimals differ).
        ex.markets[SYMBOL]["precision"]["price"] = 1e-05
        ws = OfflineWs(ex).install()
        feed = exchange_feed(
            "kraken", [SYMBOL], ["book"], exchange=ex, client_options={"sleep": _no_wait}
        )
        assert feed.books is not None
        feed.books.limit = 1000
        for sync in feed.books.books.values():
            sync.max_depth = 1000
        counts: list[int] = []
        got: list[Chunk] = []

        async def consume() -> None:
            async for chunk in feed.chunks():
                got.append(chunk)

        def n() -> int:
            return sum(len(c["ts_event"]) for c in got)

        task = asyncio.ensure_future(consume())
        try:
            sent = await ws.wait_sent(1)
            assert sent[0]["method"] == "subscribe"
            assert sent[0]["params"]["channel"] == "book"
            for t in texts[:bad_at]:
                ws.feed(t)  # raw text: decoded as ccxt decodes frames (numbers as floats)
                await _settle(3)
            counts.append(n())
            ws.feed(corrupted)
            await _settle(3)
            for t in texts[bad_at + 1 : resume]:
                ws.feed(t)
                await _settle(3)
            counts.append(n())
            await _settle(20)
            # ccxt has no unwatch for Kraken spot: v2 frames on the public v2 connection.
            params = {"channel": "book", "symbol": [SYMBOL], "depth": 1000}
            assert ws.sent()[-2:] == [
                {"method": "unsubscribe", "params": params},
                {"method": "subscribe", "params": params},
            ]
            ws.feed(fresh)
            await _settle(5)
            counts.append(n())
            for t in texts[resume:]:
                ws.feed(t)
                await _settle(3)
            await _settle(20)
            assert not task.done() or task.exception() is None
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await ex.close()
        return got, feed, counts

    chunks, feed, counts = asyncio.run(go())
    st = feed.status()
    assert (st["checksum_failures"], st["resyncs"]) == (1, 1)
    assert st["books_valid"] is True
    before, during, after = counts
    assert before > 0 and during == before  # no quote ticks while invalid
    assert after == during + 1  # the fresh snapshot's top
    assert sum(len(c["ts_event"]) for c in chunks) > after + 150
    # The book is kept under the venue-native name (the market id); v2 names the unified one.
    assert feed.books is not None and list(feed.books.books) == ["XBTCHF"]
    sync = feed.books.books["XBTCHF"]
    for m in msgs[resume:]:
        clean.apply(m)
    assert sync.book is not None and clean.book is not None
    assert sync.book.top(10) == clean.book.top(10)
