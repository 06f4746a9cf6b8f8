"""Kraken Futures parsers on the recorded capture: per-product seq chain and message counts."""

from __future__ import annotations

from collections import Counter

import pytest

from quantum.errors import DataError
from quantum.exchanges.common.types import LIQ_LONGS, BookMessage, Tick
from quantum.exchanges.krakenfutures import parse

from .captures import cryptofeed_text

CAPTURE = "cryptofeed_KRAKEN_FUTURES.ws.1.0.txt.gz"


def test_capture_counts_and_seq_chain(shared_data: object) -> None:
    kinds: Counter[str] = Counter()
    expected_trades = 0
    last: dict[str, int] = {}
    ticks: list[Tick] = []
    for ts, msg in cryptofeed_text(CAPTURE):
        kinds["event" if "event" in msg else msg["feed"]] += 1
        if msg.get("feed") == "trade_snapshot":
            expected_trades += len(msg["trades"])
        elif msg.get("feed") == "trade" and "event" not in msg:
            expected_trades += 1
        for ev in parse.parse_ws_message(msg, ts):
            if isinstance(ev, Tick):
                ticks.append(ev)
                continue
            assert ev.last_id is not None
            if ev.is_snapshot:
                last[ev.symbol] = ev.last_id
                continue
            assert len(ev.bids) + len(ev.asks) == 1
            assert ev.last_id == last[ev.symbol] + 1, (ev.symbol, ev.last_id, last[ev.symbol])
            last[ev.symbol] = ev.last_id
    assert kinds["book_snapshot"] == 10 and kinds["book"] == 7014
    assert kinds["trade_snapshot"] == 10 and kinds["ticker_lite"] == 107
    assert len(last) == 10
    trades = [t for t in ticks if t.volume is not None]
    assert len(trades) == expected_trades and len(ticks) == expected_trades + 107
    assert all((t.buy_volume is None) != (t.sell_volume is None) for t in trades)


def test_liquidation_trade_sets_liq_fields() -> None:
    # A documented `trade` message with "type": "liquidation"
    # (https://docs.kraken.com/api/docs/futures-api/websocket/trade); values hand-made.
    msg = {
        "feed": "trade",
        "product_id": "PI_XBTUSD",
        "uid": "05af78ac",
        "side": "sell",
        "type": "liquidation",
        "seq": 653355,
        "time": 1612266317519,
        "qty": 15000,
        "price": 34969.5,
    }
    (t,) = parse.parse_ws_message(msg, 1)
    assert isinstance(t, Tick)
    assert (t.liq_volume, t.liq_side, t.sell_volume, t.price) == (
        15000.0,
        LIQ_LONGS,
        15000.0,
        34969.5,
    )
    fill = parse.parse_trade({**msg, "type": "fill"}, 1)
    assert fill.liq_volume is None and fill.liq_side is None


def test_ticker_with_funding_and_open_interest() -> None:
    msg = {
        "feed": "ticker",
        "product_id": "PI_XBTUSD",
        "time": 1612270825253,
        "bid": 34832.5,
        "ask": 34847.5,
        "bid_size": 42864,
        "ask_size": 2300,
        "volume": 262306237,
        "last": 34846,
        "funding_rate": 1.18e-9,
        "openInterest": 113234321,
    }
    (t,) = parse.parse_ws_message(msg, 1)
    assert isinstance(t, Tick)
    assert (t.bid, t.ask_qty, t.funding_rate, t.open_interest) == (
        34832.5,
        2300.0,
        1.18e-9,
        113234321.0,
    )
    rest = parse.parse_rest_ticker(
        {
            "symbol": "PF_XBTUSD",
            "last": 61000.0,
            "bid": 60999.0,
            "ask": 61001.0,
            "bidSize": 1.2,
            "askSize": 0.5,
            "fundingRate": -0.0004,
            "openInterest": 1234.5,
        },
        7,
    )
    assert (rest.funding_rate, rest.open_interest, rest.ts_event) == (-0.0004, 1234.5, 7)


def test_snapshot_levels() -> None:
    snap = {
        "feed": "book_snapshot",
        "product_id": "PI_XBTUSD",
        "timestamp": 1612269825817,
        "seq": 326072249,
        "tickSize": None,
        "bids": [{"price": 34892.5, "qty": 6385}],
        "asks": [{"price": 34911.5, "qty": 20598}],
    }
    (b,) = parse.parse_ws_message(snap, 1)
    assert isinstance(b, BookMessage) and b.is_snapshot
    assert (b.bids, b.asks, b.last_id) == ([(34892.5, 6385.0)], [(34911.5, 20598.0)], 326072249)


@pytest.mark.parametrize(
    "msg",
    [
        {"event": "error", "message": "Invalid product id"},
        {"feed": "book", "product_id": "X", "side": "buy", "price": 1, "qty": 1, "timestamp": 1},
        {
            "feed": "book",
            "product_id": "X",
            "side": "up",
            "seq": 1,
            "price": 1,
            "qty": 1,
            "timestamp": 1,
        },
        {"feed": "who"},
    ],
)
def test_malformed_messages_raise_data_error(msg: dict[str, object]) -> None:
    with pytest.raises(DataError):
        parse.parse_ws_message(msg, 0)
