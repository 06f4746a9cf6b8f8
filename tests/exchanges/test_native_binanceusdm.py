"""The Rust Binance USD-M parser (``parse_native_batch``) against the Python one, on real captures.

The key proof: on every line of every recorded USD-M capture, the Rust parser yields exactly the
ticks and book messages of :mod:`quantum.exchanges.binanceusdm.parse` — every field, bit for bit —
and its depth replays through the core's book without a gap.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import orjson
import pytest

from quantum import _core
from quantum.errors import ColumnError, DataError
from quantum.exchanges.binanceusdm import parse
from quantum.exchanges.binanceusdm.native import NativeBatch, parse_native_batch
from quantum.exchanges.common.types import TICK_FLOAT_FIELDS, BookMessage, Tick, ticks_to_columns

from .captures import _seconds_to_ns, capture_path, hftbacktest_lines

L2_CAPTURES = [
    "binance_usdm_btcusdt_20230404.jsonl.gz",
    "binance_usdm_btcusdt_20240718.jsonl.gz",
    "binance_usdm_btcusdt_20240719.jsonl.gz",
    "binance_usdm_btcusdt_20240808.jsonl.gz",
]

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
        "ap": "9910.5",
        "X": "FILLED",
        "l": "0.014",
        "z": "0.012",
        "T": 1568014460890,
    },
}


def _cryptofeed_lines() -> Iterator[tuple[int, bytes]]:
    """Received messages of the cryptofeed Binance futures capture, raw text kept."""
    with gzip.open(capture_path("cryptofeed_BINANCE_FUTURES.ws.1.0.txt.gz"), "rb") as fh:
        for line in fh:
            if line[:1].isdigit():
                ts, _, raw = line.partition(b": ")
                yield _seconds_to_ns(ts.decode()), raw


def _python(
    lines: list[tuple[int, bytes]], symbol: str
) -> tuple[list[Tick], list[BookMessage], list[int], list[int]]:
    """The Python path, with each event's input line index."""
    ticks: list[Tick] = []
    books: list[BookMessage] = []
    tick_lines: list[int] = []
    book_lines: list[int] = []
    for i, (ts, raw) in enumerate(lines):
        msg = orjson.loads(raw)
        events = (
            [parse.parse_book_snapshot(msg, symbol, ts)]
            if "lastUpdateId" in msg
            else parse.parse_ws_message(msg, ts)
        )
        for ev in events:
            if isinstance(ev, Tick):
                ticks.append(ev)
                tick_lines.append(i)
            else:
                books.append(ev)
                book_lines.append(i)
    return ticks, books, tick_lines, book_lines


def _rust(lines: list[tuple[int, bytes]], symbol: str) -> NativeBatch:
    ts = np.array([t for t, _ in lines], dtype=np.int64)
    return parse_native_batch([raw for _, raw in lines], ts, snapshot_symbol=symbol)


def _assert_same(lines: list[tuple[int, bytes]], symbol: str = "BTCUSDT") -> NativeBatch:
    ticks, books, tick_lines, book_lines = _python(lines, symbol)
    batch = _rust(lines, symbol)
    assert batch.rejects == ()
    feed = batch.feed
    names = np.array(feed.ticks.symbol_names)

    # Ticks: every column of the Python ticks, exactly (NaN where Python has None).
    assert len(feed.ticks) == len(ticks)
    assert feed.tick_seq.tolist() == tick_lines
    want = ticks_to_columns(ticks)
    got = feed.ticks
    assert np.array_equal(got["ts_event"], want["ts_event"])
    assert np.array_equal(got["ts_recv"], want["ts_recv"])
    assert np.array_equal(names[got["symbol"]], want["symbol"])
    for name in TICK_FLOAT_FIELDS:
        assert np.array_equal(got[name], want[name], equal_nan=True), name
    assert np.array_equal(got["liq_side"], want["liq_side"])

    # Book messages: every field and every level, in order.
    depth = feed.depth
    assert len(depth) == len(books)
    assert feed.depth_seq.tolist() == book_lines
    for i, b in enumerate(books):
        row = (
            int(depth.ts_event[i]),
            int(depth.ts_recv[i]),
            depth.symbol_names[depth.symbol[i]],
            bool(depth.is_snapshot[i]),
            int(depth.first_id[i]),
            int(depth.last_id[i]),
        )
        assert row == (b.ts_event, b.ts_recv, b.symbol, b.is_snapshot, b.first_id, b.last_id), i
        assert int(depth.prev_id[i]) == (0 if b.prev_id is None else b.prev_id)
        side, price, qty = depth.levels(i)
        n_bids = len(b.bids)
        assert bool(np.all(side[:n_bids] == 1)) and bool(np.all(side[n_bids:] == -1))
        assert list(zip(price[:n_bids].tolist(), qty[:n_bids].tolist(), strict=True)) == b.bids
        assert list(zip(price[n_bids:].tolist(), qty[n_bids:].tolist(), strict=True)) == b.asks
    return batch


@pytest.mark.slow
@pytest.mark.parametrize("name", L2_CAPTURES)
def test_rust_and_python_parsers_agree_on_every_l2_capture(name: str, shared_data: object) -> None:
    lines = list(hftbacktest_lines(name))
    batch = _assert_same(lines)
    assert batch.ignored == 0
    assert len(batch.feed) == len(lines)


def test_rust_and_python_parsers_agree_on_the_multi_symbol_capture(shared_data: object) -> None:
    lines = list(_cryptofeed_lines())
    batch = _assert_same(lines)
    # depthUpdate=764, bookTicker=613, aggTrade=91, kline=67 (ignored by both).
    assert (len(batch.feed.depth), len(batch.feed.ticks), batch.ignored) == (764, 613 + 91, 67)
    assert set(batch.feed.ticks.symbol_names) == {"SUSHIUSDT", "AKROUSDT", "KEEPUSDT", "CTKUSDT"}


def test_rust_and_python_parsers_agree_on_liquidations_and_funding() -> None:
    order = {**FORCE_ORDER["o"], "S": "BUY", "ap": "0", "z": "0"}  # type: ignore[dict-item]
    unfilled = {**FORCE_ORDER, "o": order}
    mark = {"e": "markPriceUpdate", "E": 5, "s": "BTCUSDT", "p": "1", "r": "0.00002754", "T": 9}
    msgs = [FORCE_ORDER, {"stream": "btcusdt@forceOrder", "data": unfilled}, mark]
    batch = _assert_same([(100 + i, orjson.dumps(m)) for i, m in enumerate(msgs)])
    assert batch.feed.ticks["liq_side"].tolist() == [1, -1, 0]
    assert batch.feed.ticks["price"][:2].tolist() == [9910.5, 9910.0]
    assert batch.feed.ticks["liq_volume"][:2].tolist() == [0.012, 0.014]


@pytest.mark.slow
def test_rust_parsed_l2_capture_replays_through_the_core_book_without_gaps(
    shared_data: object,
) -> None:
    lines = list(hftbacktest_lines("binance_usdm_btcusdt_20240808.jsonl.gz"))
    depth = _rust(lines, "BTCUSDT").feed.depth
    snapshot = int(np.flatnonzero(depth.is_snapshot)[0])
    book = _core.OrderBook("binance_futures")

    def levels(i: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        side, price, qty = depth.levels(i)
        pairs = np.column_stack([price, qty])
        return pairs[side == 1], pairs[side == -1]

    book.apply_snapshot(int(depth.last_id[snapshot]), *levels(snapshot))
    applied = 0
    for i in range(len(depth)):
        if i == snapshot:
            continue
        bids, asks = levels(i)
        ids = int(depth.first_id[i]), int(depth.last_id[i]), int(depth.prev_id[i])
        applied += book.apply_update(*ids, bids, asks)
    assert book.is_valid
    stats = book.stats
    assert stats["gaps"] == 0 and stats["updates_applied"] == applied
    assert applied + stats["stale_skipped"] == 6551 and applied > 6000


def test_malformed_lines_are_rejected_with_their_reason_and_lose_nothing_else() -> None:
    good = orjson.dumps({"e": "trade", "E": 1, "s": "BTCUSDT", "p": "5", "q": "1", "m": False})
    lines = [
        good,
        b"{not json",
        b'{"e":"trade","E":1,"s":"BTCUSDT","p":"6e4","q":"1","m":false}',
        b'{"e":"mystery","E":1}',
        b'{"lastUpdateId":1,"bids":[],"asks":[]}',
        b"[]",
        b'{"e":"kline","E":1,"s":"BTCUSDT","k":{}}',
        good,
    ]
    batch = parse_native_batch(lines, np.arange(len(lines), dtype=np.int64))
    assert [(r.line, r.reason) for r in batch.rejects] == [
        (1, "json"),
        (2, "bad_number"),
        (3, "unknown_kind"),
        (5, "not_an_object"),
    ]
    assert "6e4" in batch.rejects[1].message
    counts = {"json": 1, "bad_number": 1, "unknown_kind": 1, "not_an_object": 1}
    assert batch.reject_counts() == counts
    assert batch.ignored == 1
    assert batch.feed.tick_seq.tolist() == [0, 7]
    assert batch.feed.ticks["buy_volume"].tolist() == [1.0, 1.0]
    # The snapshot takes the symbol of the last message before it.
    assert batch.feed.depth_seq.tolist() == [4]
    assert batch.feed.depth.symbol_names[batch.feed.depth.symbol[0]] == "BTCUSDT"


def test_a_snapshot_with_no_symbol_known_is_rejected() -> None:
    batch = parse_native_batch([b'{"lastUpdateId":1,"bids":[],"asks":[]}'], np.zeros(1, np.int64))
    assert [(r.line, r.reason) for r in batch.rejects] == [(0, "no_symbol")]
    assert len(batch.feed) == 0


@pytest.mark.parametrize(
    ("lines", "ts", "error"),
    [
        (["{}"], np.zeros(1, np.int64), DataError),
        ([b"{}"], np.zeros(2, np.int64), ColumnError),
    ],
)
def test_bad_arguments_are_typed_errors(
    lines: list[object], ts: npt.NDArray[np.int64], error: type[Exception]
) -> None:
    with pytest.raises(error):
        parse_native_batch(lines, ts)  # type: ignore[arg-type]
