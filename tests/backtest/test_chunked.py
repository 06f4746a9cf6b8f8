"""Feeding the engine in chunks gives exactly the result of one native call."""

from __future__ import annotations

import pandas as pd
import pytest

import quantum
from quantum.backtest.chunked import backtest_chunked
from quantum.data import TickColumns
from quantum.engine import EngineConfig
from quantum.errors import ConfigError


def _assert_same(a: quantum.BacktestResult, b: quantum.BacktestResult) -> None:
    pd.testing.assert_frame_equal(a.trades, b.trades)
    pd.testing.assert_frame_equal(a.equity, b.equity)
    assert str(a.metrics) == str(b.metrics)  # exact Decimals; str() makes NaN compare equal
    assert a.rejections == b.rejections
    assert a.stats == b.stats
    assert a.open_positions == b.open_positions


@pytest.mark.parametrize("chunk_rows", [1, 997, 25_000, 100_000, 10_000_000])
def test_chunked_run_equals_one_call(
    market: TickColumns, busy_config: EngineConfig, chunk_rows: int
) -> None:
    ticks = market.slice(0, 5_000) if chunk_rows == 1 else market
    whole = quantum.backtest(ticks, busy_config)
    chunked = backtest_chunked(ticks, busy_config, chunk_rows=chunk_rows)
    assert len(whole.trades) > 100 or (chunk_rows == 1 and len(whole.trades) > 10)
    _assert_same(whole, chunked)


def test_chunked_run_equals_one_call_with_two_symbols_and_latency(
    two_symbol_market: TickColumns, busy_config: EngineConfig
) -> None:
    config = busy_config.model_copy(
        update={"execution": busy_config.execution.model_copy(update={"latency_ns": 250_000_000})}
    )
    whole = quantum.backtest(two_symbol_market, config)
    chunked = backtest_chunked(two_symbol_market, config, chunk_rows=7_777)
    assert set(whole.trades.symbol) == {"BTCUSDT", "ETHUSDT"}
    _assert_same(whole, chunked)


def test_progress_callback_sees_every_tick(market: TickColumns) -> None:
    seen: list[int] = []
    result = backtest_chunked(market, chunk_rows=30_000, on_chunk=seen.append)
    assert seen == [30_000, 30_000, 30_000, 10_000]
    assert result.ticks_processed == len(market)


def test_chunk_size_must_be_positive(market: TickColumns) -> None:
    with pytest.raises(ConfigError, match="chunk_rows"):
        backtest_chunked(market, chunk_rows=0)
