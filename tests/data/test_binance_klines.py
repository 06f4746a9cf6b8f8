"""Binance kline CSV loader on the real files and on hand-made bad ones."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from quantum.data import TickColumns, binance_klines, iter_binance_klines, load_binance_klines
from quantum.errors import ConfigError, DataError

MINUTE_NS = 60_000_000_000
HEADER = "open_time,open,high,low,close,volume\n"


@pytest.mark.parametrize(
    ("name", "rows", "step_ms"),
    [
        ("binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz", 73_139, 60_000),
        ("binance_spot_BTCUSDT_1m_20240402-20240407.csv.gz", 7_207, 60_000),
        ("binance_spot_BTCUSDT_1h_20170817-20240421.csv.gz", 58_419, 3_600_000),
    ],
)
def test_real_klines(shared_data: Path, name: str, rows: int, step_ms: int) -> None:
    ticks, report = load_binance_klines(shared_data / "klines" / name)
    assert report.clean and report.rows == rows == len(ticks)
    assert ticks.symbol_names == ("BTCUSDT",)
    assert ticks.names == (
        "ts_event", "ts_recv", "symbol", "price", "volume", "open", "high", "low", "close",
    )  # fmt: skip
    ts = ticks["ts_event"]
    assert np.all(np.diff(ts) > 0)
    assert np.all(np.diff(ts) % (step_ms * 1_000_000) == 0)
    assert np.array_equal(ticks["ts_recv"], ts)
    assert np.array_equal(ticks["price"], ticks["close"])
    assert np.all(ticks["high"] >= ticks["low"])


def test_perp_klines_values_and_bar_close_time(shared_data: Path) -> None:
    path = shared_data / "klines" / "binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"
    ticks, _ = load_binance_klines(path)
    # First row: 1746372780000,95505.4,95505.5,95502.7,95502.7,16.536 — the bar closes
    # one minute after it opens, minus Binance's 1 ms.
    assert ticks["ts_event"][0] == 1_746_372_780_000 * 1_000_000 + MINUTE_NS - 1_000_000
    assert ticks["open"][0] == 95505.4 and ticks["high"][0] == 95505.5
    assert ticks["low"][0] == 95502.7 and ticks["close"][0] == 95502.7
    assert ticks["volume"][0] == 16.536
    # The file is a strict 60,000 ms grid with no gaps (SOURCES.md note A).
    assert np.all(np.diff(ticks["ts_event"]) == MINUTE_NS)


def test_mark_price_candles_without_volume(shared_data: Path) -> None:
    path = shared_data / "funding_oi" / "binance_usdm_BTCUSDT_markprice_8h_20250306-20250603.csv"
    ticks, report = load_binance_klines(path)
    assert report.rows == 266 and report.clean
    assert "volume" not in ticks
    assert ticks["ts_event"][0] == (1_741_276_800_000 + 8 * 3_600_000 - 1) * 1_000_000


def test_chunked_equals_whole(shared_data: Path) -> None:
    path = shared_data / "klines" / "binance_spot_BTCUSDT_1m_20240402-20240407.csv.gz"
    whole, _ = load_binance_klines(path)
    chunks = list(iter_binance_klines(path, chunk_rows=1000))
    assert len(chunks) == 8
    assert all(len(c) <= 1000 for c in chunks)
    assert TickColumns.concat(chunks).equals(whole)


def test_malformed_lines_are_skipped_counted_and_located(write_file: Callable[..., Path]) -> None:
    text = HEADER + (
        "1700000000000,10,11,9,10.5,1.0\n"          # line 2 ok
        "1700000060000,10,11,9\n"                   # line 3 too few fields
        "1700000120000,10,eleven,9,10.5,1.0\n"      # line 4 not a number
        "\n"                                        # line 5 blank: not an error
        "1700000180000,10,11,9,nan,1.0\n"           # line 6 not finite
        "1700000240000.5,10,11,9,10.5,1.0\n"        # line 7 fractional time
        "1700000300000,10,11,9,10.5,2.0\n"          # line 8 ok
    )  # fmt: skip
    for name in ("bad_BTCUSDT_1m.csv", "bad_BTCUSDT_1m.csv.gz"):
        ticks, report = load_binance_klines(write_file(name, text))
        assert len(ticks) == report.rows == 2
        assert report.malformed == 4
        assert [line for line, _ in report.first_errors] == [3, 4, 6, 7]
        assert "fields" in report.first_errors[0][1]
        assert ticks["volume"].tolist() == [1.0, 2.0]


def test_crlf_and_no_trailing_newline(write_file: Callable[..., Path]) -> None:
    text = (
        HEADER.replace("\n", "\r\n") + "1700000000000,1,2,0.5,1.5,3\r\n1700000060000,1,2,0.5,1.5,4"
    )
    ticks, report = load_binance_klines(write_file("x_BTCUSDT_1m.csv", text))
    assert report.clean and ticks["volume"].tolist() == [3.0, 4.0]


def test_binance_public_layout_with_taker_volume_and_microseconds(
    write_file: Callable[..., Path],
) -> None:
    # data.binance.vision layout: no header, 12 fields, times in µs (spot since 2025).
    rows = [
        "1735689600000000,100,101,99,100.5,10,1735689659999999,1000,5,4,400,0",
        "1735689660000000,100.5,102,100,101,20,1735689719999999,2000,9,15,1500,0",
    ]
    path = write_file("BTCUSDT-1m-2025-01-01.csv", "\n".join(rows) + "\n")
    ticks, report = load_binance_klines(path)
    assert report.clean
    assert ticks["ts_event"].tolist() == [1735689659999999000, 1735689719999999000]
    assert ticks["buy_volume"].tolist() == [4.0, 15.0]
    assert ticks["sell_volume"].tolist() == [6.0, 5.0]


def test_interval_is_inferred_from_data_when_the_name_lacks_it(
    write_file: Callable[..., Path],
) -> None:
    text = HEADER + "1700000000000,1,1,1,1,1\n1700000300000,1,1,1,1,1\n1700000600000,1,1,1,1,1\n"
    ticks, _ = load_binance_klines(write_file("bars.csv", text), symbol="ETHUSDT")
    assert ticks["ts_event"][0] == (1_700_000_000_000 + 300_000 - 1) * 1_000_000
    assert ticks.symbol_names == ("ETHUSDT",)


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    rows = "".join(f"{1_700_000_000_000 + i * 60_000},1,2,0.5,1.5,{i}\n" for i in range(50_000))
    blob = gzip.compress((HEADER + rows).encode())
    path = tmp_path / "cut_BTCUSDT_1m.csv.gz"
    path.write_bytes(blob[: len(blob) // 2])
    ticks, report = load_binance_klines(path)
    assert 0 < len(ticks) < 50_000
    assert report.malformed == 1
    assert "truncated" in report.first_errors[0][1]
    # Everything kept is a real, complete row.
    assert np.array_equal(ticks["volume"], np.arange(len(ticks), dtype=np.float64))


def test_unusable_files_raise_typed_errors(write_file: Callable[..., Path]) -> None:
    with pytest.raises(DataError):
        load_binance_klines(write_file("a_BTCUSDT_1m.csv", "time,foo\n1,2\n"))
    with pytest.raises(DataError):
        load_binance_klines(write_file("b_BTCUSDT_1m.csv", "1,2,3\n"))
    one_bar = write_file("bars.csv", HEADER + "1700000000000,1,1,1,1,1\n")
    with pytest.raises(ConfigError, match="symbol"):
        load_binance_klines(one_bar)
    with pytest.raises(ConfigError, match="interval"):
        load_binance_klines(one_bar, symbol="BTCUSDT")
    ticks, report = load_binance_klines(write_file("empty_BTCUSDT_1m.csv", ""))
    assert len(ticks) == 0 and report.rows == 0


def test_fast_and_line_parsers_agree(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_data / "klines" / "binance_spot_BTCUSDT_1h_20170817-20240421.csv.gz"
    fast, _ = load_binance_klines(path)
    monkeypatch.setattr(binance_klines, "fast_numeric_rows", lambda *args: None)
    slow, report = load_binance_klines(path)
    assert report.clean and slow.equals(fast)


def test_bad_chunk_size_and_missing_file(write_file: Callable[..., Path], tmp_path: Path) -> None:
    path = write_file("x_BTCUSDT_1m.csv", HEADER + "1700000000000,1,1,1,1,1\n")
    with pytest.raises(ConfigError):
        list(iter_binance_klines(path, chunk_rows=0))
    with pytest.raises(FileNotFoundError):
        load_binance_klines(tmp_path / "absent_BTCUSDT_1m.csv")
