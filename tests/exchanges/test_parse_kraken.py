"""Kraken spot parsers on the recorded book-1000 capture; every checksum is recomputed."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from quantum.errors import ChecksumMismatch, DataError
from quantum.exchanges.common.checksum import KrakenChecksumBook, kraken_checksum
from quantum.exchanges.common.types import BookMessage, Tick
from quantum.exchanges.kraken import parse

from .captures import cryptofeed_text

CAPTURE = "cryptofeed_KRAKEN.ws.50.0.txt.gz"
PAIRS = {
    "WAVES/EUR",
    "XMR/USD",
    "KSM/XBT",
    "GRT/ETH",
    "SC/EUR",
    "ETH/CHF",
    "OCEAN/XBT",
    "OMG/USD",
    "XBT/CHF",
    "ADA/XBT",
}


def test_every_update_checksum_matches(shared_data: object) -> None:
    books: dict[str, KrakenChecksumBook] = {}
    kinds: Counter[str] = Counter()
    for ts, msg in cryptofeed_text(CAPTURE):
        for ev in parse.parse_ws_message(msg, ts):
            assert isinstance(ev, BookMessage)
            kinds["snapshot" if ev.is_snapshot else "update"] += 1
            if not ev.is_snapshot:
                assert ev.checksum is not None
                kinds["checked"] += 1
            books.setdefault(ev.symbol, KrakenChecksumBook(depth=1000)).apply(ev)
    assert kinds == Counter(snapshot=10, update=4269, checked=4269)
    assert set(books) == PAIRS


def test_corrupted_size_string_fails_the_checksum(shared_data: object) -> None:
    # Rewrite the best ask's volume in the XBT/CHF snapshot as the same number with one zero
    # fewer: a parser that kept floats instead of the strings would not notice, the checksum does.
    book = KrakenChecksumBook(depth=1000)
    seen_snapshot = False
    for ts, msg in cryptofeed_text(CAPTURE):
        if not isinstance(msg, list) or msg[-1] != "XBT/CHF":
            continue
        if not seen_snapshot:
            bad: list[Any] = copy.deepcopy(msg)
            best_ask = bad[1]["as"][0]
            assert best_ask[1].endswith("0")
            best_ask[1] = best_ask[1][:-1]
            book.apply(parse.parse_book(bad, ts))
            seen_snapshot = True
            continue
        with pytest.raises(ChecksumMismatch):
            book.apply(parse.parse_book(msg, ts))
        return
    pytest.fail("no XBT/CHF update in the capture")


def test_checksum_string_rule() -> None:
    # '.' removed and leading zeros stripped, asks low->high then bids high->low.
    import zlib

    asks = [("0.05005", "0.00000500")]
    bids = [("0.05000", "1.50000000")]
    assert kraken_checksum(bids, asks) == zlib.crc32(b"5005" + b"500" + b"5000" + b"150000000")


def test_level_timestamps_become_exact_ts_event() -> None:
    msg = [
        1920,
        {"a": [["0.042990", "364630.28272081", "1618678145.920470"]]},
        {"b": [["0.042990", "0.00000000", "1618678145.920708", "r"]], "c": "4105471083"},
        "book-1000",
        "SC/EUR",
    ]
    ev = parse.parse_book(msg, 1)
    assert ev.ts_event == 1618678145_920708000
    assert ev.checksum == 4105471083 and ev.bids == [(0.04299, 0.0)]
    assert ev.asks_text == [("0.042990", "364630.28272081")]


def test_trade_and_spread_messages() -> None:
    (t,) = parse.parse_ws_message(
        [0, [["5541.20000", "0.15850568", "1534614057.321597", "s", "l", ""]], "trade", "XBT/USD"],
        9,
    )
    assert isinstance(t, Tick) and (t.price, t.sell_volume, t.buy_volume) == (
        5541.2,
        0.15850568,
        None,
    )
    assert t.ts_event == 1534614057_321597000
    (s,) = parse.parse_ws_message(
        [
            0,
            ["5698.40000", "5700.00000", "1542057299.545897", "1.01234567", "0.98765432"],
            "spread",
            "XBT/USD",
        ],
        9,
    )
    assert isinstance(s, Tick) and (s.bid, s.ask, s.bid_qty, s.ask_qty) == (
        5698.4,
        5700.0,
        1.01234567,
        0.98765432,
    )


@pytest.mark.parametrize(
    "msg",
    [
        {"event": "error", "errorMessage": "Subscription depth not supported"},
        [1, {"a": [["1.0", "1.0", "not-a-time"]]}, "book-10", "X/Y"],
        [1, ["oops"], "mystery", "X/Y"],
        [1, "x"],
    ],
)
def test_malformed_messages_raise_data_error(msg: Any) -> None:
    with pytest.raises(DataError):
        parse.parse_ws_message(msg, 0)
