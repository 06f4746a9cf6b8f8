"""Kraken Futures order placement for the live broker (the shared ccxt execution client)."""

from __future__ import annotations

from quantum.exchanges.common.execution import ExecutionClient

__all__ = ["KrakenFuturesExecutionClient"]


class KrakenFuturesExecutionClient(ExecutionClient):
    """Market orders on Kraken Futures; see :class:`ExecutionClient`."""

    venue = "krakenfutures"
