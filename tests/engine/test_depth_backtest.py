"""A backtest driven by the real Binance L2 capture: the core's books sync, stay gap-free, feed
the strategies, and a dropped depth message is caught (ticks refused until a resync)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import quantum
from quantum.data import FeedChunk, load_binance_l2

CAPTURE = "l2_book/binance_usdm_btcusdt_20240808.jsonl.gz"


@pytest.fixture(scope="module")
def feed(shared_data: Path) -> FeedChunk:
    chunk, report = load_binance_l2(shared_data / CAPTURE)
    assert report.malformed == 0
    return chunk


def test_the_book_replays_with_no_gap_and_drives_the_strategies(feed: FeedChunk) -> None:
    result = quantum.backtest(feed)
    assert result.book is not None
    assert result.book["gaps"] == 0 and result.book["checksum_failures"] == 0
    assert result.book["updates_applied"] == len(feed.depth) - 1 - result.book["stale_skipped"]
    # Ticks that arrive before the REST snapshot has synced the book are refused, and counted.
    assert result.rejections["tick:book_invalid"] > 0
    assert result.stats["ticks_accepted"] > 0.9 * len(feed.ticks) - result.rejections.get(
        "tick:time_backwards", 0
    )
    # Depth near the touch feeds Order Flow: it signals on this data.
    assert result.stats["signals"] > 0


def test_a_dropped_depth_message_invalidates_the_book(feed: FeedChunk) -> None:
    depth = feed.depth
    updates = np.flatnonzero(~depth.is_snapshot)
    drop = int(updates[len(updates) // 2])
    keep = np.delete(np.arange(len(depth)), drop)
    broken = FeedChunk(feed.ticks, depth.take(keep), feed.tick_seq, feed.depth_seq[keep])
    result = quantum.backtest(broken)
    assert result.book is not None and result.book["gaps"] == 1
    whole = quantum.backtest(feed)
    # Every tick after the gap is refused: there is no later snapshot in this capture.
    assert result.rejections["tick:book_invalid"] > whole.rejections["tick:book_invalid"] + 1000


def test_depth_through_the_engine_is_deterministic(feed: FeedChunk) -> None:
    a, b = quantum.backtest(feed), quantum.backtest(feed)
    assert a.book == b.book and a.stats == b.stats
    assert a.trades.equals(b.trades)
