"""OKX v5 order placement for the live broker (the shared ccxt execution client).

OKX accepts a client order id (``clOrdId``) of 1 to 32 letters and digits only, so the id
carries no separator. Swap sizes are in contracts; :meth:`ExecutionClient.amount_from_base`
converts a base quantity with the instrument's ``ctVal``.
"""

from __future__ import annotations

import uuid

from quantum.exchanges.common.execution import ExecutionClient

__all__ = ["OkxExecutionClient"]


class OkxExecutionClient(ExecutionClient):
    """Orders on OKX v5; see :class:`ExecutionClient`."""

    venue = "okx"

    def new_client_order_id(self, prefix: str) -> str:
        """``prefix`` (letters and digits kept) plus random hex, 32 characters at most."""
        return ("".join(c for c in prefix if c.isalnum()) + uuid.uuid4().hex)[:32]
