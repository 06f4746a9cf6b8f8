"""A backtest of the real Binance BTCUSDT 1m perpetual file, checked for internal consistency."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

import quantum
from quantum.data import load_binance_klines

KLINES = "klines/binance_usdm_BTCUSDT_1m_20250504-20250624.csv.gz"


@pytest.fixture(scope="module")
def result(shared_data: Path) -> quantum.BacktestResult:
    ticks, report = load_binance_klines(shared_data / KLINES)
    assert report.malformed == 0
    return quantum.backtest(ticks)


def test_every_bar_is_processed_and_accepted(result: quantum.BacktestResult) -> None:
    assert result.ticks_processed == 73_139
    assert result.stats["ticks_rejected"] == 0


def test_metrics_are_internally_consistent(result: quantum.BacktestResult) -> None:
    m, trades = result.metrics, result.trades
    assert m["num_trades"] == len(trades) == m["wins"] + m["losses"] > 0
    assert m["win_rate"] == pytest.approx(m["wins"] / m["num_trades"])
    # Exact ledger: net = gross - fees - funding + unrealised, to the last 1e-8.
    assert m["net_pnl"] == m["total_pnl"] - m["fees"] - m["funding"] + m["unrealized_pnl"]
    assert m["final_equity"] == m["initial_capital"] + m["net_pnl"]
    closed_net = sum((_exact(p) for p in trades.pnl), Decimal(0))
    closed_costs = sum((_exact(f) for f in trades.fees + trades.funding), Decimal(0))
    assert closed_net == sum((_exact(g) for g in trades.gross_pnl), Decimal(0)) - closed_costs
    assert sum((_exact(g) for g in trades.gross_pnl), Decimal(0)) == m["total_pnl"]
    assert float(m["total_pnl"]) == pytest.approx(trades.gross_pnl.sum(), abs=1e-6)
    wins = trades.pnl[trades.pnl > 0].sum()
    losses = -trades.pnl[trades.pnl <= 0].sum()
    expected_pf = wins / losses if losses > 0 else math.inf
    assert m["profit_factor"] == pytest.approx(expected_pf)
    assert 0 <= m["max_drawdown"] < 1
    assert 0 <= m["exposure"] <= 1
    assert result.equity.equity.iloc[-1] == pytest.approx(float(m["final_equity"]))
    # The drawdown measured per tick is at least the one visible on the sampled curve.
    eq = result.equity.equity.to_numpy()
    sampled_dd = float(
        np.max(1 - eq / np.maximum.accumulate(np.maximum(eq, float(m["initial_capital"]))))
    )
    assert m["max_drawdown"] >= sampled_dd - 1e-12


def test_trades_never_fill_before_their_bar_closes(result: quantum.BacktestResult) -> None:
    trades = result.trades
    assert (trades.exit_time >= trades.entry_time).all()
    # Entries fill on a bar strictly after the decision bar: never at the first bar's time.
    assert trades.entry_time.min() > result.equity.time.min()
    # Bar data has no book volumes or liquidations: only the volatility fader can trade it.
    assert set(trades.strategy) <= {"volatility_fader"}


def _exact(x: float) -> Decimal:
    """The exact 1e-8 decimal behind a float column value."""
    return Decimal(f"{x:.8f}")
