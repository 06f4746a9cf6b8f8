"""Parquet in and out for tick columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from quantum.data import (
    TickColumns,
    TickParquetWriter,
    generate,
    iter_ticks_parquet,
    load_binance_klines,
    load_binance_trades,
    read_ticks_parquet,
    write_ticks_parquet,
)
from quantum.errors import ColumnError, DataError


def test_round_trip_real_files_exactly(shared_data: Path, tmp_path: Path) -> None:
    klines, _ = load_binance_klines(
        shared_data / "klines" / "binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"
    )
    trades, _ = load_binance_trades(
        shared_data / "trades" / "binance_trades_hftbacktest_captures.csv.gz"
    )
    for name, ticks in (("klines", klines), ("trades", trades)):
        path = tmp_path / f"{name}.parquet"
        write_ticks_parquet(path, ticks)
        back, report = read_ticks_parquet(path)
        assert report.clean and back.equals(ticks)


def test_round_trip_synthetic_with_nan_and_chunks(tmp_path: Path) -> None:
    ticks = generate(50_000, seed=3, symbols=("BTCUSDT", "ETHUSDT"))
    ticks = ticks.with_columns(["high"])  # an all-NaN column must survive too
    path = tmp_path / "syn.parquet"
    with TickParquetWriter(path) as writer:
        for start in range(0, len(ticks), 12_345):
            writer.write(ticks.slice(start, start + 12_345))
    chunks = list(iter_ticks_parquet(path, chunk_rows=10_000))
    assert max(len(c) for c in chunks) <= 10_000
    assert TickColumns.concat(chunks).equals(ticks)
    # Other tools see symbol names, not ids.
    table = pq.read_table(path)
    assert set(table.column("symbol").to_pylist()) == {"BTCUSDT", "ETHUSDT"}


def test_writer_refuses_new_columns_after_the_first_chunk(tmp_path: Path) -> None:
    ticks = generate(10, seed=1)
    with TickParquetWriter(tmp_path / "x.parquet", ["ts_event", "ts_recv", "symbol", "price"]) as w:
        w.write(ticks.take(np.arange(10)).with_columns([]).slice(0, 0))
        with pytest.raises(ColumnError):
            w.write(ticks)


def test_foreign_parquet_with_timestamps_strings_and_nulls(tmp_path: Path) -> None:
    table = pa.table(
        {
            "ts_event": pa.array([1_000, 2_000, None, 4_000], pa.timestamp("us")),
            "symbol": ["BTCUSDT", "ETHUSDT", "BTCUSDT", "BTCUSDT"],
            "price": pa.array([1.5, None, 3.0, 4.5], pa.float32()),
            "liq_side": pa.array([1, 0, 0, 5], pa.int64()),
            "comment": ["a", "b", "c", "d"],
        }
    )
    path = tmp_path / "foreign.parquet"
    pq.write_table(table, path)
    ticks, report = read_ticks_parquet(path)
    assert report.malformed == 2
    assert [n for n, _ in report.first_errors] == [3, 4]
    assert ticks["ts_event"].tolist() == [1_000_000, 2_000_000]
    assert np.array_equal(ticks["ts_recv"], ticks["ts_event"])
    assert ticks.symbol_names == ("BTCUSDT", "ETHUSDT")
    assert ticks["price"][0] == 1.5 and np.isnan(ticks["price"][1])
    assert "comment" not in ticks


def test_parquet_without_symbol_column_uses_argument(tmp_path: Path) -> None:
    path = tmp_path / "bars.parquet"
    pq.write_table(pa.table({"ts_event": [1, 2], "close": [1.0, 2.0]}), path)
    ticks, _ = read_ticks_parquet(path, symbol="SOLUSDT")
    assert ticks.symbol_names == ("SOLUSDT",) and ticks["symbol"].tolist() == [0, 0]


def test_unreadable_parquet_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(DataError):
        read_ticks_parquet(path)
    nots = tmp_path / "nots.parquet"
    pq.write_table(pa.table({"price": [1.0]}), nots)
    with pytest.raises(DataError):
        read_ticks_parquet(nots, symbol="X")
