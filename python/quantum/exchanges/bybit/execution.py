"""Bybit v5 order placement for the live broker (the shared ccxt execution client).

Two Bybit specifics: a unified trading account cannot read one order with ccxt's
``fetch_order`` (ccxt refuses without an "acknowledged" flag, because ``/v5/order/realtime``
only keeps recent orders), so an order is found by its ``orderId`` or ``orderLinkId`` among the
open orders and then the order history; and setting the leverage it already has answers retCode 110043
("leverage not modified"), which is success for the broker, not an error.
"""

from __future__ import annotations

from typing import Any

import ccxt

from quantum.errors import ExchangeError
from quantum.exchanges.common.execution import ExecutionClient, matching_client_id

__all__ = ["BybitExecutionClient"]

# Bybit's "Set leverage not modified" retCode, as it appears in ccxt's error message (the body).
_LEVERAGE_NOT_MODIFIED = '"retCode":110043'


class BybitExecutionClient(ExecutionClient):
    """Orders on Bybit v5; see :class:`ExecutionClient`."""

    venue = "bybit"

    async def _find(self, symbol: str, params: dict[str, str]) -> list[dict[str, Any]]:
        # Open orders first (/v5/order/realtime), then filled and cancelled (/v5/order/history).
        for fetch in (
            self.exchange.fetch_open_orders,
            self.exchange.fetch_canceled_and_closed_orders,
        ):
            orders: list[dict[str, Any]] = await fetch(symbol, None, None, params)
            if orders:
                return orders
        return []

    async def _find_by_client_id(self, client_order_id: str, symbol: str) -> dict[str, Any] | None:
        orders = await self._find(symbol, {"orderLinkId": client_order_id})
        return matching_client_id(orders, client_order_id)

    async def _find_by_id(self, order_id: str, symbol: str) -> dict[str, Any]:
        orders = await self._find(symbol, {"orderId": order_id})
        found = next((o for o in orders if o.get("id") == order_id), None)
        if found is None:
            raise ccxt.OrderNotFound(f"bybit order {order_id} not found")
        return found

    async def set_leverage(self, leverage: int, symbol: str) -> None:
        """Set the symbol's buy and sell leverage; already at ``leverage`` counts as set."""
        try:
            await super().set_leverage(leverage, symbol)
        except ExchangeError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, ccxt.BadRequest) and _LEVERAGE_NOT_MODIFIED in str(cause)):
                raise
