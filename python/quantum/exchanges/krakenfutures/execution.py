"""Kraken Futures order placement for the live broker (the shared ccxt execution client).

ccxt's ``fetch_order`` only takes the venue's order id, so an order is found by its
``cliOrdId``: first through ``/orders/status`` (open orders and those that just finished),
then among the filled orders of the order history.
"""

from __future__ import annotations

from typing import Any

from quantum.exchanges.common.execution import ExecutionClient, matching_client_id

__all__ = ["KrakenFuturesExecutionClient"]


class KrakenFuturesExecutionClient(ExecutionClient):
    """Orders on Kraken Futures; see :class:`ExecutionClient`."""

    venue = "krakenfutures"

    async def _find_by_client_id(self, client_order_id: str, symbol: str) -> dict[str, Any] | None:
        status = await self.exchange.fetch_orders(None, None, None, {"cliOrdIds": client_order_id})
        found = matching_client_id(status, client_order_id)
        if found is None:
            found = matching_client_id(
                await self.exchange.fetch_closed_orders(symbol), client_order_id
            )
        return found
