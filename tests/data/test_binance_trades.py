"""Binance trades CSV loader on the real capture extract and on hand-made files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from quantum.data import TickColumns, binance_trades, iter_binance_trades, load_binance_trades

TRADES = "binance_trades_hftbacktest_captures.csv.gz"
HEADER = (
    "market,symbol,trade_id,event_time_ms,trade_time_ms,price,qty,is_buyer_maker,"
    "local_recv_ts_ns,source_file\n"
)


def test_real_trades_counts_per_symbol(shared_data: Path) -> None:
    ticks, report = load_binance_trades(shared_data / "trades" / TRADES)
    assert report.clean and report.rows == len(ticks) == 119_073
    counts = {
        name: int(np.count_nonzero(ticks["symbol"] == i))
        for i, name in enumerate(ticks.symbol_names)
    }
    assert counts == {
        "usdm:BTCUSDT": 44_949,
        "usdm:ETHUSDT": 27_731,
        "spot:BTCUSDT": 23_048,
        "spot:ETHUSDT": 14_515,
        "cm:BTCUSD_PERP": 5_235,
        "cm:ETHUSD_PERP": 3_595,
    }


def test_real_trades_clocks_and_sides(shared_data: Path) -> None:
    ticks, _ = load_binance_trades(shared_data / "trades" / TRADES)
    # First row: cm,BTCUSD_PERP,849714402,1723161257687,1723161257679,61804.8,4,false,
    # 1723161256419684465 — buyer was not the maker, so the aggressor bought.
    assert ticks["ts_event"][0] == 1_723_161_257_679_000_000
    assert ticks["ts_recv"][0] == 1_723_161_256_419_684_465
    assert ticks["price"][0] == 61804.8
    assert (ticks["buy_volume"][0], ticks["sell_volume"][0]) == (4.0, 0.0)
    # Every trade is all-buy or all-sell, and the two add up to the volume.
    buy, sell, vol = ticks["buy_volume"], ticks["sell_volume"], ticks["volume"]
    assert np.all((buy == 0) | (sell == 0))
    assert np.array_equal(buy + sell, vol)
    assert 0.3 < np.count_nonzero(buy) / len(ticks) < 0.7
    # The extract is in receive order per capture, and the captures of one stream follow each
    # other in time, so both clocks are monotonic per symbol.
    for sid in range(len(ticks.symbol_names)):
        mine = ticks["symbol"] == sid
        assert np.all(np.diff(ticks["ts_recv"][mine]) >= 0)
        assert np.all(np.diff(ticks["ts_event"][mine]) >= 0)


def test_chunks_keep_symbol_ids(shared_data: Path) -> None:
    path = shared_data / "trades" / TRADES
    whole, _ = load_binance_trades(path)
    chunks = list(iter_binance_trades(path, chunk_rows=7_000))
    assert len(chunks) == 18
    assert TickColumns.concat(chunks).equals(whole)


def test_malformed_trades(write_file: Callable[..., Path]) -> None:
    text = HEADER + (
        "usdm,BTCUSDT,1,1723161600030,1723161600029,100.5,0.1,true,1723161598760063081,f\n"
        "usdm,BTCUSDT,2,1723161600030,1723161600029,100.5,0.1,maybe,1723161598760063081,f\n"
        "usdm,BTCUSDT,3,1723161600030,1723161600029,abc,0.1,true,1723161598760063081,f\n"
        "usdm,BTCUSDT,4,1723161600030\n"
        "usdm,,5,1723161600030,1723161600029,100.5,0.1,true,1723161598760063081,f\n"
        "usdm,BTCUSDT,6,1723161600031,1723161600030,100.4,0.2,false,1723161598760063099,f\n"
    )
    ticks, report = load_binance_trades(write_file("t.csv.gz", text))
    assert len(ticks) == 2
    assert report.malformed == 4
    assert [line for line, _ in report.first_errors] == [3, 4, 5, 6]
    assert ticks["sell_volume"].tolist() == [0.1, 0.0]
    assert ticks["buy_volume"].tolist() == [0.0, 0.2]


def test_binance_public_trades_layout(write_file: Callable[..., Path]) -> None:
    # data.binance.vision spot trades: no header, 7 fields, µs times since 2025.
    text = (
        "1,50000.0,0.5,25000.0,1735689600123456,True,True\n"
        "2,50001.0,0.25,12500.25,1735689600223456,False,True\n"
    )
    ticks, report = load_binance_trades(write_file("BTCUSDT-trades-2025-01-01.csv", text))
    assert report.clean
    assert ticks.symbol_names == ("BTCUSDT",)
    assert ticks["ts_event"].tolist() == [1735689600123456000, 1735689600223456000]
    assert np.array_equal(ticks["ts_recv"], ticks["ts_event"])
    assert ticks["sell_volume"].tolist() == [0.5, 0.0]


def test_fast_and_line_parsers_agree(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_data / "trades" / TRADES
    fast, _ = load_binance_trades(path)
    monkeypatch.setattr(binance_trades, "_fast_chunk", lambda *args: None)
    slow, report = load_binance_trades(path)
    assert report.clean and slow.equals(fast)
