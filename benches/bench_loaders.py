"""Loader throughput on the real files: rows/s for klines, messages/s for the largest L2 capture.

Run: ``pytest benches/bench_loaders.py -s`` (``-s`` shows the printed figures; pytest-benchmark's
table has the timings). The figures are medians over the rounds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from quantum.data import generate, load_binance_klines, load_binance_l2, load_binance_trades


def _data_dir() -> Path:
    env = os.environ.get("QUANTUM_SHARED_DATA")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    if not (path / "SOURCES.md").is_file():
        pytest.fail(f"shared data not found at {path}; set QUANTUM_SHARED_DATA")
    return path


def _report(benchmark: Any, what: str, count: int, unit: str) -> None:
    median = benchmark.stats.stats.median
    rate = count / median
    benchmark.extra_info[f"{unit}_per_s"] = round(rate)
    print(f"\n{what}: {count:,} {unit} in {median * 1e3:.1f} ms (median) = {rate:,.0f} {unit}/s")


def test_bench_klines_73k(benchmark: Any) -> None:
    path = _data_dir() / "klines" / "binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"
    ticks, _ = benchmark.pedantic(load_binance_klines, args=(path,), rounds=10, warmup_rounds=1)
    assert len(ticks) == 73_139
    _report(benchmark, "klines 1m perp (gzip CSV)", len(ticks), "rows")


def test_bench_trades_119k(benchmark: Any) -> None:
    path = _data_dir() / "trades" / "binance_trades_hftbacktest_captures.csv.gz"
    ticks, _ = benchmark.pedantic(load_binance_trades, args=(path,), rounds=5, warmup_rounds=1)
    assert len(ticks) == 119_073
    _report(benchmark, "trades (gzip CSV)", len(ticks), "rows")


def test_bench_l2_largest_capture(benchmark: Any) -> None:
    path = _data_dir() / "l2_book" / "binance_usdm_btcusdt_20240808.jsonl.gz"
    _, report = benchmark.pedantic(load_binance_l2, args=(path,), rounds=5, warmup_rounds=1)
    assert report.rows == 93_954
    _report(benchmark, "L2 capture usdm 20240808 (gzip JSONL)", report.rows, "messages")


def test_bench_synthetic_1m(benchmark: Any) -> None:
    ticks = benchmark.pedantic(generate, args=(1_000_000,), rounds=5, warmup_rounds=1)
    assert len(ticks) == 1_000_000
    _report(benchmark, "synthetic market", len(ticks), "ticks")
