"""Binance USD-M futures order placement for the live broker (the shared ccxt execution client)."""

from __future__ import annotations

from quantum.exchanges.common.execution import ExecutionClient

__all__ = ["BinanceUsdmExecutionClient"]


class BinanceUsdmExecutionClient(ExecutionClient):
    """Orders on Binance USD-M futures; see :class:`ExecutionClient`."""

    venue = "binanceusdm"
