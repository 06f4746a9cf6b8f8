"""OKX parsers on the recorded capture; the book checksum is recomputed for every message."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from quantum.errors import ChecksumMismatch, DataError
from quantum.exchanges.common.checksum import OkxChecksumBook, okx_checksum
from quantum.exchanges.common.types import LIQ_LONGS, LIQ_SHORTS, BookMessage, Tick
from quantum.exchanges.okx import parse

from .captures import cryptofeed_text

CAPTURE = "cryptofeed_OKX.ws.1.0.txt.gz"


def _messages() -> list[tuple[int, Any]]:
    return list(cryptofeed_text(CAPTURE))


def test_every_book_checksum_matches(shared_data: object) -> None:
    books: dict[str, OkxChecksumBook] = {}
    kinds: Counter[str] = Counter()
    verified = 0
    ticks: list[Tick] = []
    for ts, msg in _messages():
        for ev in parse.parse_ws_message(msg, ts):
            if isinstance(ev, BookMessage):
                kinds["snapshot" if ev.is_snapshot else "update"] += 1
                assert ev.checksum is not None
                books.setdefault(ev.symbol, OkxChecksumBook()).apply(ev)  # raises on mismatch
                verified += 1
            else:
                ticks.append(ev)
    assert kinds == Counter(snapshot=3, update=287)
    assert verified == 290
    assert set(books) == {"BTC-USDT", "BTC-USD-220527", "UNI-USD-SWAP"}
    # This 2022 capture predates seqId, so the ids are absent rather than invented.
    assert all(b.has_snapshot for b in books.values())
    trades = [t for t in ticks if t.volume is not None]
    quotes = [t for t in ticks if t.bid is not None]
    assert len(trades) + len(quotes) == len(ticks)
    assert trades and quotes
    assert all(q.bid <= q.ask for q in quotes)  # type: ignore[operator]


def test_corrupted_size_string_fails_the_checksum(shared_data: object) -> None:
    msgs = _messages()
    book = OkxChecksumBook()
    target = "BTC-USDT"
    applied = 0
    for ts, msg in msgs:
        if msg.get("arg", {}).get("instId") != target or "action" not in msg:
            continue
        if applied == 5:
            bad = copy.deepcopy(msg)
            level = (
                bad["data"][0]["bids"][0] if bad["data"][0]["bids"] else bad["data"][0]["asks"][0]
            )
            # Same number, different string: the venue's checksum is over the text as sent.
            level[1] = level[1] + "0" if "." in level[1] else level[1] + ".0"
            (ev,) = parse.parse_book(bad, ts)
            with pytest.raises(ChecksumMismatch):
                book.apply(ev)
            return
        (ev,) = parse.parse_book(msg, ts)
        book.apply(ev)
        applied += 1
    pytest.fail("capture has too few BTC-USDT book messages")


def test_okx_checksum_matches_documented_example_shape() -> None:
    # Interleaving rule: bid1:ask1:bid2:ask2..., a shorter side simply runs out.
    bids = [("3366.1", "7"), ("3366", "6")]
    asks = [("3366.8", "9")]
    import zlib

    raw = zlib.crc32(b"3366.1:7:3366.8:9:3366:6")
    expected = raw - (1 << 32) if raw >= 1 << 31 else raw
    assert okx_checksum(bids, asks) == expected


def test_seq_ids_are_parsed_when_present() -> None:
    msg = {
        "arg": {"channel": "books", "instId": "BTC-USDT-SWAP"},
        "action": "update",
        "data": [
            {
                "asks": [["8476.98", "415", "0", "13"]],
                "bids": [],
                "ts": "1597026383085",
                "checksum": -1200119424,
                "prevSeqId": 123456,
                "seqId": 123457,
            }
        ],
    }
    (b,) = parse.parse_ws_message(msg, 1)
    assert isinstance(b, BookMessage)
    assert (b.first_id, b.last_id, b.prev_id, b.checksum) == (123457, 123457, 123456, -1200119424)
    assert b.asks == [(8476.98, 415.0)] and b.asks_text == [("8476.98", "415")]


# Hand-made from the documented push, OKX "Liquidation orders channel":
# https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel
LIQUIDATIONS = {
    "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
    "data": [
        {
            "details": [
                {
                    "bkLoss": "0",
                    "bkPx": "0.007831",
                    "ccy": "",
                    "posSide": "short",
                    "side": "buy",
                    "sz": "13",
                    "ts": "1692266434010",
                },
                {
                    "bkLoss": "0",
                    "bkPx": "0.007700",
                    "ccy": "",
                    "posSide": "long",
                    "side": "sell",
                    "sz": "4",
                    "ts": "1692266434011",
                },
            ],
            "instFamily": "IOST-USDT",
            "instId": "IOST-USDT-SWAP",
            "instType": "SWAP",
            "uly": "IOST-USDT",
        }
    ],
}


def test_liquidation_side_from_forced_order_side() -> None:
    shorts, longs = parse.parse_ws_message(LIQUIDATIONS, 2)
    assert isinstance(shorts, Tick) and isinstance(longs, Tick)
    assert (shorts.symbol, shorts.liq_volume, shorts.liq_side, shorts.price) == (
        "IOST-USDT-SWAP",
        13.0,
        LIQ_SHORTS,
        0.007831,
    )
    assert (longs.liq_volume, longs.liq_side) == (4.0, LIQ_LONGS)


def test_funding_rate_and_open_interest_items() -> None:
    # Shapes of the funding-rate / open-interest channels (and the REST endpoints).
    fr = parse.parse_ws_message(
        {
            "arg": {"channel": "funding-rate", "instId": "BTC-USDT-SWAP"},
            "data": [
                {
                    "fundingRate": "0.0001515",
                    "fundingTime": "1622822400000",
                    "instId": "BTC-USDT-SWAP",
                    "instType": "SWAP",
                    "nextFundingRate": "0.00029",
                    "ts": "1622822100000",
                }
            ],
        },
        1,
    )
    assert isinstance(fr[0], Tick) and fr[0].funding_rate == 0.0001515
    assert fr[0].ts_event == 1622822100000 * 1_000_000
    oi = parse.parse_ws_message(
        {
            "arg": {"channel": "open-interest", "instId": "BTC-USDT-SWAP"},
            "data": [
                {
                    "instId": "BTC-USDT-SWAP",
                    "instType": "SWAP",
                    "oi": "2216113.01",
                    "oiCcy": "22161.1301",
                    "ts": "1597026383085",
                }
            ],
        },
        1,
    )
    assert isinstance(oi[0], Tick) and oi[0].open_interest == 2216113.01


@pytest.mark.parametrize(
    "msg",
    [
        {"event": "error", "code": "60012", "msg": "Invalid request"},
        {"arg": {"channel": "books", "instId": "X"}, "action": "patch", "data": []},
        {"arg": {"channel": "nope", "instId": "X"}, "data": []},
        {
            "arg": {"channel": "trades", "instId": "X"},
            "data": [{"instId": "X", "px": "1", "sz": "1", "side": "both", "ts": "1"}],
        },
    ],
)
def test_malformed_messages_raise_data_error(msg: dict[str, object]) -> None:
    with pytest.raises(DataError):
        parse.parse_ws_message(msg, 0)
