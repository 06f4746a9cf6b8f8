"""Kraken spot order placement for the live broker (the shared ccxt execution client)."""

from __future__ import annotations

from quantum.exchanges.common.execution import ExecutionClient

__all__ = ["KrakenExecutionClient"]


class KrakenExecutionClient(ExecutionClient):
    """Market orders on Kraken spot; see :class:`ExecutionClient`."""

    venue = "kraken"
