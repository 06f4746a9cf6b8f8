"""The compiled L2 book (`quantum._core.OrderBook`) seen from Python: inputs, rules and errors."""

from __future__ import annotations

import numpy as np
import pytest

from quantum import _core
from quantum.errors import BookError, ChecksumMismatch, ConfigError, DataError, SequenceGap

BIDS = [(99.0, 1.0), (98.0, 2.0)]
ASKS = [(101.0, 3.0), (102.0, 4.0)]


@pytest.fixture
def futures_book() -> _core.OrderBook:
    book = _core.OrderBook("binance_futures")
    book.apply_snapshot(100, BIDS, ASKS)
    return book


@pytest.mark.parametrize("levels", [BIDS, np.array(BIDS, dtype=np.float64), tuple(BIDS)])
def test_snapshot_accepts_pairs_and_arrays(levels: object) -> None:
    book = _core.OrderBook("none")
    book.apply_snapshot(1, levels, ASKS)
    assert book.is_valid
    assert book.best_bid == (99.0, 1.0)
    assert book.best_ask == (101.0, 3.0)
    assert book.mid == 100.0
    assert book.microprice == 99.5
    assert book.depth_within_bps(100.0) == (1.0, 3.0)
    assert book.imbalance(100.0) == -0.5
    assert book.top(1) == ([(99.0, 1.0)], [(101.0, 3.0)])


def test_binance_futures_stale_then_chain_then_gap(futures_book: _core.OrderBook) -> None:
    assert futures_book.apply_update(90, 99, 80, [(99.0, 5.0)], []) is False
    assert futures_book.apply_update(95, 105, 99, [(99.0, 0.0)], [], ts_event=1, ts_recv=2) is True
    assert futures_book.best_bid == (98.0, 2.0)
    with pytest.raises(SequenceGap):
        futures_book.apply_update(110, 112, 107, [], [])
    assert not futures_book.is_valid
    assert futures_book.mid is None
    with pytest.raises(BookError):
        futures_book.apply_update(113, 114, 112, [], [])
    futures_book.apply_snapshot(200, BIDS, ASKS)
    stats = futures_book.stats
    counts = (stats["gaps"], stats["resyncs"], stats["stale_skipped"], stats["updates_applied"])
    assert counts == (1, 1, 1, 1)


def test_okx_checksum_mismatch_raises_and_signed_checksums_are_accepted() -> None:
    book = _core.OrderBook("okx")
    bids, asks = [(3366.1, 7.0), (3366.0, 6.0)], [(3366.8, 9.0), (3368.0, 8.0)]
    # zlib.crc32(b"3366.1:7:3366.8:9:3366:6:3368:8") == 2413953002, sent by OKX as a signed int32.
    book.apply_snapshot(0, bids, asks, checksum=2413953002 - 2**32)
    assert book.is_valid
    with pytest.raises(ChecksumMismatch):
        book.apply_update(0, 0, 0, [(3366.1, 8.0)], [], checksum=2413953002)
    assert not book.is_valid
    assert book.stats["checksum_failures"] == 1


def test_crossed_snapshot_is_a_book_error() -> None:
    book = _core.OrderBook("none")
    with pytest.raises(BookError):
        book.apply_snapshot(1, [(101.0, 1.0)], [(100.0, 1.0)])
    assert not book.is_valid


@pytest.mark.parametrize(
    "levels",
    [
        [(float("nan"), 1.0)],
        [(1.0,)],
        ["ab"],
        5,
        np.zeros((2, 3)),
    ],
)
def test_malformed_levels_are_data_errors(levels: object) -> None:
    book = _core.OrderBook("none")
    with pytest.raises(DataError):
        book.apply_snapshot(1, levels, ASKS)


@pytest.mark.parametrize(
    ("rule", "kwargs"),
    [
        ("binance", {}),
        ("kraken", {}),
        ("kraken", {"price_decimals": 1}),
        ("none", {"max_depth": 0}),
    ],
)
def test_bad_configuration_is_a_config_error(rule: str, kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        _core.OrderBook(rule, **kwargs)


def test_kraken_book_truncates_to_its_depth() -> None:
    book = _core.OrderBook("kraken", price_decimals=1, qty_decimals=8, max_depth=2)
    book.apply_snapshot(0, [(99.0, 1.0), (98.0, 1.0), (97.0, 1.0)], ASKS)
    assert book.top(10)[0] == [(99.0, 1.0), (98.0, 1.0)]
