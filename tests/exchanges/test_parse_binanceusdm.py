"""Binance USD-M parsers on recorded native messages (cryptofeed and hftbacktest captures)."""

from __future__ import annotations

import itertools
from collections import Counter

import orjson
import pytest

from quantum.errors import DataError
from quantum.exchanges.binanceusdm import parse
from quantum.exchanges.common.types import LIQ_LONGS, LIQ_SHORTS, BookMessage, Tick

from .captures import cryptofeed_http, cryptofeed_text, hftbacktest_lines


def _l2_file(name: str) -> tuple[list[BookMessage], list[BookMessage], list[Tick], Counter[str]]:
    snapshots: list[BookMessage] = []
    deltas: list[BookMessage] = []
    ticks: list[Tick] = []
    kinds: Counter[str] = Counter()
    for ts, raw in hftbacktest_lines(name):
        msg = orjson.loads(raw)
        if "stream" not in msg:
            kinds["snapshot"] += 1
            snapshots.append(parse.parse_book_snapshot(msg, "BTCUSDT", ts))
            continue
        kinds[msg["data"]["e"]] += 1
        for ev in parse.parse_ws_message(msg, ts):
            if isinstance(ev, BookMessage):
                deltas.append(ev)
            else:
                ticks.append(ev)
    return snapshots, deltas, ticks, kinds


@pytest.mark.slow
def test_l2_capture_counts_and_pu_chain(shared_data: object) -> None:
    snapshots, deltas, ticks, kinds = _l2_file("binance_usdm_btcusdt_20240808.jsonl.gz")
    # Counts documented in SOURCES.md for this file.
    assert kinds == Counter(depthUpdate=6551, bookTicker=66089, trade=21313, snapshot=1)
    assert len(deltas) == 6551 and len(ticks) == 66089 + 21313
    # Each depthUpdate's pu is the previous one's u.
    breaks = sum(1 for a, b in itertools.pairwise(deltas) if b.prev_id != a.last_id)
    assert breaks == 0
    assert all(d.first_id is not None and d.last_id >= d.first_id for d in deltas)  # type: ignore[operator]
    # The snapshot is straddled by exactly one delta (Binance's sync rule U <= id <= u).
    (snap,) = snapshots
    assert snap.last_id == 5123107852948
    straddling = [d for d in deltas if d.first_id <= snap.last_id <= d.last_id]  # type: ignore[operator]
    assert len(straddling) == 1
    trades = [t for t in ticks if t.volume is not None]
    assert len(trades) == 21313
    assert all((t.buy_volume is None) != (t.sell_volume is None) for t in trades)
    quotes = [t for t in ticks if t.bid is not None]
    assert all(q.bid <= q.ask for q in quotes)  # type: ignore[operator]
    assert all(t.ts_event > 1_700_000_000 * 10**9 for t in ticks)


def test_trade_aggressor_side_from_m_flag() -> None:
    buyer_maker = {
        "e": "trade",
        "E": 2,
        "T": 1,
        "s": "BTCUSDT",
        "t": 9,
        "p": "61800.30",
        "q": "0.006",
        "X": "MARKET",
        "m": True,
    }
    (t,) = parse.parse_ws_message({"stream": "btcusdt@trade", "data": buyer_maker}, 5)
    assert isinstance(t, Tick)
    assert (t.price, t.volume, t.sell_volume, t.buy_volume) == (61800.3, 0.006, 0.006, None)
    assert (t.ts_event, t.ts_recv) == (1_000_000, 5)


def test_funding_rate_from_mark_price_stream(shared_data: object) -> None:
    rates = [
        t
        for ts, raw in hftbacktest_lines("binance_usdm_btcusdt_20230404.jsonl.gz")
        if b"markPriceUpdate" in raw
        for t in parse.parse_ws_message(orjson.loads(raw), ts * 1000)
    ]
    assert len(rates) == 99
    assert all(isinstance(t, Tick) and t.funding_rate is not None for t in rates)
    assert rates[0].funding_rate == 0.00002754


def test_cryptofeed_stream_syncs_with_rest_snapshots(shared_data: object) -> None:
    snaps = {
        url.split("symbol=")[1].split("&")[0]: parse.parse_book_snapshot(body, "", ts)
        for url, ts, body in cryptofeed_http("cryptofeed_BINANCE_FUTURES.http.0.0.txt.gz")
    }
    assert set(snaps) == {"SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT"}
    kinds: Counter[str] = Counter()
    last: dict[str, int] = {}
    synced: set[str] = set()
    for ts, msg in cryptofeed_text("cryptofeed_BINANCE_FUTURES.ws.1.0.txt.gz"):
        kinds[msg["data"]["e"]] += 1
        for ev in parse.parse_ws_message(msg, ts):
            if not isinstance(ev, BookMessage):
                continue
            if ev.symbol in last:
                assert ev.prev_id == last[ev.symbol], ev
            last[ev.symbol] = ev.last_id  # type: ignore[assignment]
            snap_id = snaps[ev.symbol].last_id
            assert snap_id is not None and ev.first_id is not None and ev.last_id is not None
            if ev.first_id <= snap_id <= ev.last_id:
                synced.add(ev.symbol)
    assert kinds == Counter(depthUpdate=764, bookTicker=613, aggTrade=91, kline=67)
    assert synced == set(snaps)


# Hand-made from the documented payload, Binance "Liquidation Order Streams":
# https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Liquidation-Order-Streams
FORCE_ORDER = {
    "e": "forceOrder",
    "E": 1568014460893,
    "o": {
        "s": "BTCUSDT",
        "S": "SELL",
        "o": "LIMIT",
        "f": "IOC",
        "q": "0.014",
        "p": "9910",
        "ap": "9910",
        "X": "FILLED",
        "l": "0.014",
        "z": "0.014",
        "T": 1568014460893,
    },
}


def test_force_order_sell_means_longs_liquidated() -> None:
    (t,) = parse.parse_ws_message({"stream": "btcusdt@forceOrder", "data": FORCE_ORDER}, 7)
    assert isinstance(t, Tick)
    assert (t.symbol, t.price, t.liq_volume, t.liq_side) == ("BTCUSDT", 9910.0, 0.014, LIQ_LONGS)
    assert t.ts_event == 1568014460893 * 1_000_000
    assert t.volume is None  # a liquidation is not counted as ordinary traded volume here
    buy = {**FORCE_ORDER, "o": {**FORCE_ORDER["o"], "S": "BUY"}}  # type: ignore[dict-item]
    assert parse.parse_liquidation(buy, 7).liq_side == LIQ_SHORTS


def test_rest_funding_and_open_interest() -> None:
    # Shapes of /fapi/v1/premiumIndex and /fapi/v1/openInterest responses.
    fr = parse.parse_funding_rate(
        {
            "symbol": "BTCUSDT",
            "markPrice": "11793.63104562",
            "indexPrice": "11781.80495970",
            "lastFundingRate": "0.00038246",
            "nextFundingTime": 1597392000000,
            "interestRate": "0.00010000",
            "time": 1597370495002,
        },
        1,
    )
    assert (fr.funding_rate, fr.ts_event) == (0.00038246, 1597370495002 * 1_000_000)
    oi = parse.parse_open_interest(
        {"openInterest": "10659.509", "symbol": "BTCUSDT", "time": 1589437530011}, 1
    )
    assert oi.open_interest == 10659.509


@pytest.mark.parametrize(
    "msg",
    [
        {"e": "depthUpdate", "E": 1, "T": 1, "s": "X", "U": 1, "u": 2, "b": [], "a": []},  # no pu
        {"e": "trade", "E": 1, "s": "X", "p": "abc", "q": "1", "m": True},
        {"e": "mystery", "E": 1},
        {"stream": "x", "data": [1, 2]},
    ],
)
def test_malformed_messages_raise_data_error(msg: dict[str, object]) -> None:
    with pytest.raises(DataError):
        parse.parse_ws_message(msg, 0)


def test_kline_is_ignored() -> None:
    assert parse.parse_ws_message({"e": "kline", "E": 1, "s": "X", "k": {}}, 0) == []
