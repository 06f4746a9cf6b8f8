"""Kraken spot order placement for the live broker (the shared ccxt execution client).

Kraken specifics: the client order id (``cl_ord_id``) is a UUID or free text of at most 18
characters; ccxt's ``fetch_order`` looks a client id up as the numeric ``userref``, so an order
is found by ``cl_ord_id`` among the open orders and then the closed ones; and Kraken spot has no
account leverage setting (margin leverage is chosen per order), so :meth:`set_leverage` refuses
with a typed error before anything is sent. Kraken's "EQuery:Unknown asset pair" (ccxt only knows
"EQuery:Invalid asset pair") is taught to ccxt as a bad symbol.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

import ccxt

from quantum.errors import ConfigError
from quantum.exchanges.common.execution import ExecutionClient, matching_client_id

__all__ = ["KrakenExecutionClient"]

_FREE_TEXT_MAX = 18


class KrakenExecutionClient(ExecutionClient):
    """Orders on Kraken spot; see :class:`ExecutionClient`."""

    venue = "kraken"

    EXTRA_ERRORS: ClassVar[Mapping[str, type[ccxt.BaseError]]] = {
        "EQuery:Unknown asset pair": ccxt.BadSymbol,
    }

    def new_client_order_id(self, prefix: str) -> str:
        """Free text: ``prefix-`` plus random hex, 18 characters in all."""
        return f"{prefix}-{uuid.uuid4().hex}"[:_FREE_TEXT_MAX]

    async def _find_by_client_id(self, client_order_id: str, symbol: str) -> dict[str, Any] | None:
        params = {"clientOrderId": client_order_id}
        for fetch in (self.exchange.fetch_open_orders, self.exchange.fetch_closed_orders):
            found = matching_client_id(await fetch(symbol, None, None, params), client_order_id)
            if found is not None:
                return found
        return None

    async def set_leverage(self, leverage: int, symbol: str) -> None:
        """Always refused: Kraken spot has no per-symbol leverage setting."""
        raise ConfigError(
            f"kraken: {symbol} has no leverage setting on Kraken spot; trade it without leverage"
        )
