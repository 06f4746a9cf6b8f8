"""Binance websocket-capture loader: real captures, the depth sequence chain, and bad lines."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from quantum.data import DepthColumns, FeedChunk, iter_binance_l2, load_binance_l2

# file → (lines, depth messages incl. snapshot, bookTicker, trades, markPrice, has snapshot)
CAPTURES = {
    "binance_usdm_btcusdt_20240808.jsonl.gz": (93_954, 6_551, 66_089, 21_313, 0, True),
    "binance_usdm_btcusdt_20240718.jsonl.gz": (11_414, 3_326, 7_113, 974, 0, True),
    "binance_usdm_btcusdt_20240719.jsonl.gz": (60_570, 5_696, 45_147, 9_727, 0, False),
    "binance_usdm_btcusdt_20230404.jsonl.gz": (13_384, 4_322, 6_765, 2_197, 99, True),
    "binance_spot_btcusdt_20240808.jsonl.gz": (41_249, 3_451, 28_040, 9_757, 0, True),
    "binance_spot_btcusdt_20240809.jsonl.gz": (58_325, 3_044, 45_134, 10_147, 0, False),
}


@pytest.fixture(scope="module")
def capture(shared_data: Path) -> Callable[[str], FeedChunk]:
    """Load a capture once per module (several tests read the same files)."""

    @cache
    def load(name: str) -> FeedChunk:
        feed, report = load_binance_l2(shared_data / "l2_book" / name)
        assert report.clean and report.ignored == 0
        return feed

    return load


def usdm_chain_breaks(depth: DepthColumns) -> int:
    """Updates whose ``pu`` is not the previous update's ``u`` (Binance futures rule)."""
    updates = ~depth.is_snapshot
    prev, last = depth.prev_id[updates], depth.last_id[updates]
    return int(np.count_nonzero(prev[1:] != last[:-1]))


def spot_chain_breaks(depth: DepthColumns) -> int:
    """Updates whose ``U`` is not the previous update's ``u + 1`` (Binance spot rule)."""
    updates = ~depth.is_snapshot
    first, last = depth.first_id[updates], depth.last_id[updates]
    return int(np.count_nonzero(first[1:] != last[:-1] + 1))


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_real_capture_counts_and_order(capture: Callable[[str], FeedChunk], name: str) -> None:
    lines, depth_msgs, book_tickers, trades, marks, has_snapshot = CAPTURES[name]
    feed = capture(name)
    assert lines == len(feed)
    ticks, depth = feed.ticks, feed.depth
    snapshots = int(depth.is_snapshot.sum())
    assert snapshots == (1 if has_snapshot else 0)
    assert len(depth) - snapshots == depth_msgs
    assert int(np.count_nonzero(~np.isnan(ticks["bid"]))) == book_tickers
    assert int(np.count_nonzero(~np.isnan(ticks["volume"]))) == trades
    assert int(np.count_nonzero(~np.isnan(ticks["funding_rate"]))) == marks
    assert ticks.symbol_names == depth.symbol_names == ("BTCUSDT",)
    # Receive order is kept; every receive time is in ns whatever the file's unit.
    assert np.all(np.diff(ticks["ts_recv"]) >= 0) and np.all(np.diff(depth.ts_recv) >= 0)
    assert 1.6e18 < ticks["ts_recv"][0] < 1.8e18
    kind, index = feed.arrival_order()
    assert len(kind) == lines
    recv = np.where(kind == 0, ticks["ts_recv"][np.where(kind == 0, index, 0)], 0)
    recv = np.where(kind == 1, depth.ts_recv[np.where(kind == 1, index, 0)], recv)
    assert np.all(np.diff(recv) >= 0)
    # Books stay sane: asks above bids on every quote.
    quoted = ~np.isnan(ticks["bid"])
    assert np.all(ticks["bid"][quoted] < ticks["ask"][quoted])


@pytest.mark.parametrize("name", [n for n in sorted(CAPTURES) if "usdm" in n])
def test_usdm_depth_chain_has_no_break(capture: Callable[[str], FeedChunk], name: str) -> None:
    assert usdm_chain_breaks(capture(name).depth) == 0


@pytest.mark.parametrize("name", [n for n in sorted(CAPTURES) if "spot" in n])
def test_spot_depth_chain_has_no_break(capture: Callable[[str], FeedChunk], name: str) -> None:
    feed = capture(name)
    assert spot_chain_breaks(feed.depth) == 0
    assert np.all(feed.depth.prev_id == 0)


def test_snapshot_and_first_update_straddle(capture: Callable[[str], FeedChunk]) -> None:
    feed = capture("binance_usdm_btcusdt_20240808.jsonl.gz")
    depth = feed.depth
    at = int(np.flatnonzero(depth.is_snapshot)[0])
    last_update_id = int(depth.last_id[at])
    assert last_update_id == 5_123_107_852_948 == int(depth.first_id[at])
    assert feed.depth_seq[at] == 55  # the snapshot is line 55, a few lines into the file
    side, price, qty = depth.levels(at)
    assert np.count_nonzero(side == 1) > 100 and np.count_nonzero(side == -1) > 100
    assert price[side == 1].max() < price[side == -1].min()
    assert np.all(qty > 0)
    # Binance futures sync rule: the first buffered update with u >= lastUpdateId must have
    # U <= lastUpdateId; older ones are dropped. In this capture that update arrived *before*
    # the snapshot (line 42 vs 55), as a real client buffering the stream would see it.
    updates = ~depth.is_snapshot
    usable = np.flatnonzero(updates & (depth.last_id >= last_update_id))
    first = int(usable[0])
    assert int(depth.first_id[first]) <= last_update_id <= int(depth.last_id[first])
    assert feed.depth_seq[first] == 42


def test_a_deleted_depth_message_breaks_the_chain(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "l2_book" / "binance_usdm_btcusdt_20240718.jsonl.gz"
    lines = gzip.decompress(source.read_bytes()).split(b"\n")
    depth_lines = [i for i, line in enumerate(lines) if b"depthUpdate" in line]
    del lines[depth_lines[len(depth_lines) // 2]]
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(gzip.compress(b"\n".join(lines)))
    feed, report = load_binance_l2(damaged)
    assert report.clean
    assert usdm_chain_breaks(feed.depth) == 1


def test_2023_capture_microseconds_and_funding(
    capture: Callable[[str], FeedChunk], shared_data: Path
) -> None:
    name = "binance_usdm_btcusdt_20230404.jsonl.gz"
    feed = capture(name)
    ticks = feed.ticks
    # Line 1: 1680652700423575 (µs) bookTicker b=28145.10 B=3.868 a=28145.20 A=6.887 T=…430
    raw, report = load_binance_l2(shared_data / "l2_book" / name, align_receive_clock=False)
    assert raw.ticks["ts_recv"][0] == 1_680_652_700_423_575_000
    assert report.receive_clock_shift_ns == 0
    # Received 6.4 ms before it happened: the capture clock lags, and the load moves every
    # receive time later by the largest lag, so none precedes its event.
    _, aligned = load_binance_l2(shared_data / "l2_book" / name)
    shift = aligned.receive_clock_shift_ns
    assert shift >= 1_680_652_700_430_000_000 - 1_680_652_700_423_575_000
    assert ticks["ts_recv"][0] == 1_680_652_700_423_575_000 + shift
    assert ticks["ts_event"][0] == 1_680_652_700_430_000_000
    assert (ticks["bid"][0], ticks["bid_qty"][0]) == (28145.10, 3.868)
    assert (ticks["ask"][0], ticks["ask_qty"][0]) == (28145.20, 6.887)
    rates = ticks["funding_rate"][~np.isnan(ticks["funding_rate"])]
    assert len(rates) == 99 and rates[0] == 0.00002754


def test_chunked_equals_whole(shared_data: Path) -> None:
    path = shared_data / "l2_book" / "binance_usdm_btcusdt_20240718.jsonl.gz"
    whole, _ = load_binance_l2(path)
    chunks = list(iter_binance_l2(path, chunk_rows=1_000))
    assert len(chunks) == 12
    # The whole load also moves the receive clock (the chunks cannot know the shift yet).
    aligned, _ = FeedChunk.concat(chunks, whole.ticks.names).with_receive_clock_aligned()
    assert aligned.equals(whole)


STREAM = '{"stream":"btcusdt@%s","data":%s}'


def test_bad_lines_are_counted_and_located(write_file: Callable[..., Path]) -> None:
    good_depth = (
        '{"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT",'
        '"U":10,"u":12,"pu":9,"b":[["100.0","1.5"]],"a":[["101.0","0"]]}'
    )
    bad_level = good_depth.replace('"1.5"', '"x"')
    lines = [
        "1723161255030314667 " + STREAM % ("depth@0ms", good_depth),  # 1 ok
        "notatime {}",  # 2 bad timestamp
        "1723161255030314668 {not json",  # 3 bad JSON
        "1723161255030314669 " + STREAM % ("depth@0ms", bad_level),  # 4 bad level
        "1723161255030314670 " + STREAM % ("bookTicker", '{"e":"bookTicker","s":"BTCUSDT"}'),  # 5
        "1723161255030314671 " + STREAM % ("kline", '{"e":"kline","s":"BTCUSDT"}'),  # 6 ignored
        "",
        "1723161255030314672 "
        + STREAM % ("trade", '{"e":"trade","E":1,"T":2,"s":"BTCUSDT","p":"100","q":"3","m":false}'),
    ]
    feed, report = load_binance_l2(write_file("bad.jsonl.gz", "\n".join(lines) + "\n"))
    assert report.malformed == 4
    assert [line for line, _ in report.first_errors] == [2, 3, 4, 5]
    assert report.ignored == 1
    assert len(feed.depth) == 1 and feed.depth.n_levels == 2
    assert feed.depth.qty.tolist() == [1.5, 0.0]
    assert feed.depth.side.tolist() == [1, -1]
    assert len(feed.ticks) == 1 and feed.ticks["buy_volume"][0] == 3.0
    assert feed.tick_seq.tolist() == [8] and feed.depth_seq.tolist() == [1]


def test_liquidation_and_mark_price_messages(write_file: Callable[..., Path]) -> None:
    # forceOrder as documented by Binance USDⓈ-M (a long was force-sold).
    force = (
        '{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT",'
        '"f":"IOC","q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014",'
        '"T":1568014460893}}'
    )
    mark = (
        '{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15","i":"11784.6",'
        '"P":"11784.25","r":"0.00038167","T":1562306400000}'
    )
    lines = [
        "1568014460900000000 " + STREAM % ("forceOrder", force),
        "1568014461000000000 " + mark,
    ]
    feed, report = load_binance_l2(write_file("liq.jsonl", "\n".join(lines)))
    assert report.clean
    ticks = feed.ticks
    assert ticks["liq_side"].tolist() == [1, 0]
    assert ticks["liq_volume"][0] == 0.014 and ticks["price"][0] == 9910.0
    assert np.isnan(ticks["volume"][0])
    assert ticks["ts_event"][0] == 1_568_014_460_893_000_000
    assert ticks["funding_rate"][1] == 0.00038167
