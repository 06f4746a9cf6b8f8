"""Bybit v5 parsers on the recorded linear + spot capture (cryptofeed format-2 JSONL)."""

from __future__ import annotations

from collections import Counter

import pytest

from quantum.errors import DataError
from quantum.exchanges.bybit import parse
from quantum.exchanges.common.types import LIQ_LONGS, LIQ_SHORTS, BookMessage, Tick

from .captures import cryptofeed_jsonl

CAPTURE = "cryptofeed_BYBIT_v5_linear_spot_20260809.jsonl.gz"


def test_capture_counts_and_update_id_chain(shared_data: object) -> None:
    kinds: Counter[str] = Counter()
    books: list[tuple[str, BookMessage]] = []
    ticks: list[Tick] = []
    for conn, ts, msg in cryptofeed_jsonl(CAPTURE):
        topic = msg.get("topic", "")
        kinds[f"{topic.split('.')[0]}:{msg.get('type', msg.get('op'))}"] += 1
        for ev in parse.parse_ws_message(msg, ts):
            if isinstance(ev, BookMessage):
                books.append((conn, ev))
            else:
                ticks.append(ev)
    assert kinds["orderbook:snapshot"] == 6 and kinds["orderbook:delta"] == 2142
    assert kinds["publicTrade:snapshot"] == 120 and kinds["kline:snapshot"] == 96
    assert kinds["tickers:snapshot"] + kinds["tickers:delta"] == 839
    assert len(books) == 2148
    # Per connection and symbol: a snapshot starts a chain, then u goes up by exactly one.
    last: dict[tuple[str, str], int] = {}
    for conn, b in books:
        key = (conn, b.symbol)
        assert b.first_id == b.last_id and b.last_id is not None and b.prev_id is None
        if b.is_snapshot:
            last[key] = b.last_id
            continue
        assert key in last, f"delta before snapshot for {key}"
        assert b.last_id == last[key] + 1, (key, b.last_id, last[key])
        last[key] = b.last_id
    # Linear tickers carry funding rate and open interest; trades carry one aggressor side.
    assert any(t.funding_rate is not None and t.open_interest is not None for t in ticks)
    trades = [t for t in ticks if t.volume is not None]
    assert trades and all((t.buy_volume is None) != (t.sell_volume is None) for t in trades)
    quotes = [t for t in ticks if t.bid is not None and t.ask is not None]
    assert quotes and all(q.bid <= q.ask for q in quotes)  # type: ignore[operator]


def test_ticker_delta_keeps_only_sent_fields() -> None:
    msg = {
        "topic": "tickers.BTCUSDT",
        "type": "delta",
        "cs": 1,
        "ts": 1786310817883,
        "data": {"symbol": "BTCUSDT", "bid1Price": "65114.20", "bid1Size": "6.054"},
    }
    (t,) = parse.parse_ws_message(msg, 1)
    assert isinstance(t, Tick)
    assert (t.bid, t.bid_qty, t.ask, t.price, t.funding_rate) == (65114.2, 6.054, None, None, None)
    only_mark = {**msg, "data": {"symbol": "BTCUSDT", "markPrice": "65117.44"}}
    assert parse.parse_ws_message(only_mark, 1) == []


# Hand-made from the documented payload, Bybit v5 "All Liquidation":
# https://bybit-exchange.github.io/docs/v5/websocket/public/all-liquidation
# ("S": position side; "When you receive a Buy update, this means that a long position has been
# liquidated").
ALL_LIQUIDATION = {
    "topic": "allLiquidation.ROSEUSDT",
    "type": "snapshot",
    "ts": 1739502303204,
    "data": [
        {"T": 1739502302929, "s": "ROSEUSDT", "S": "Sell", "v": "20000", "p": "0.04499"},
        {"T": 1739502302930, "s": "ROSEUSDT", "S": "Buy", "v": "150", "p": "0.04501"},
    ],
}


def test_all_liquidation_side_is_the_liquidated_position() -> None:
    short_liq, long_liq = parse.parse_ws_message(ALL_LIQUIDATION, 3)
    assert isinstance(short_liq, Tick) and isinstance(long_liq, Tick)
    assert (short_liq.liq_volume, short_liq.liq_side, short_liq.price) == (
        20000.0,
        LIQ_SHORTS,
        0.04499,
    )
    assert (long_liq.liq_volume, long_liq.liq_side) == (150.0, LIQ_LONGS)
    assert short_liq.ts_event == 1739502302929 * 1_000_000


def test_rest_funding_and_open_interest() -> None:
    # Shapes of /v5/market/funding/history and /v5/market/open-interest results.
    fr = parse.parse_funding_rate(
        {"symbol": "BTCUSDT", "fundingRate": "0.0001", "fundingRateTimestamp": "1786320000000"}, 1
    )
    assert fr.funding_rate == 0.0001 and fr.ts_event == 1786320000000 * 1_000_000
    ois = parse.parse_open_interest(
        {
            "symbol": "BTCUSDT",
            "category": "linear",
            "list": [
                {"openInterest": "59891.732", "timestamp": "1786310400000"},
                {"openInterest": "59880.1", "timestamp": "1786310100000"},
            ],
        },
        1,
    )
    assert [t.open_interest for t in ois] == [59891.732, 59880.1]


@pytest.mark.parametrize(
    "msg",
    [
        {"topic": "orderbook.50.X", "type": "delta", "ts": 1, "data": {"s": "X", "b": [], "a": []}},
        {
            "topic": "orderbook.50.X",
            "type": "weird",
            "ts": 1,
            "data": {"s": "X", "b": [], "a": [], "u": 1},
        },
        {"topic": "publicTrade.X", "data": [{"T": 1, "s": "X", "S": "Up", "v": "1", "p": "1"}]},
        {"topic": "unknown.X", "data": {}},
        {"data": {}},
    ],
)
def test_malformed_messages_raise_data_error(msg: dict[str, object]) -> None:
    with pytest.raises(DataError):
        parse.parse_ws_message(msg, 0)
