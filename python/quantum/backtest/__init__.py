"""Backtests through the live code path."""

from quantum.backtest.runner import BacktestResult, backtest

__all__ = ["BacktestResult", "backtest"]
