"""OKX v5 order placement for the live broker (the shared ccxt execution client)."""

from __future__ import annotations

from quantum.exchanges.common.execution import ExecutionClient

__all__ = ["OkxExecutionClient"]


class OkxExecutionClient(ExecutionClient):
    """Market orders on OKX v5; see :class:`ExecutionClient`."""

    venue = "okx"
