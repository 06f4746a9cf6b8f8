"""Builds the Bybit v5 ccxt.pro exchange and the adapter's clients."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.bybit.config import BybitConfig
from quantum.exchanges.bybit.data import BybitDataClient
from quantum.exchanges.bybit.execution import BybitExecutionClient
from quantum.exchanges.common.factory import create_ccxt_exchange

__all__ = [
    "CCXT_OPTIONS",
    "EXCHANGE_ID",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]

#: The ccxt / ccxt.pro class name of this venue.
EXCHANGE_ID = "bybit"

#: ccxt options this adapter always sets (none needed for this venue).
CCXT_OPTIONS: dict[str, Any] = {}


def create_exchange(config: BybitConfig) -> Any:
    """A configured ``ccxt.pro.bybit`` instance (opens nothing until used)."""
    return create_ccxt_exchange(EXCHANGE_ID, config, CCXT_OPTIONS)


def create_data_client(
    config: BybitConfig, exchange: Any | None = None, **kwargs: Any
) -> BybitDataClient:
    """The market-data client; ``exchange`` injects a ready (or fake) ccxt.pro object, and
    ``kwargs`` (``sleep``, ``clock_ns``, ``rng``) pass to :class:`MarketDataClient`."""
    return BybitDataClient(exchange or create_exchange(config), config, **kwargs)


def create_execution_client(
    config: BybitConfig, exchange: Any | None = None
) -> BybitExecutionClient:
    """The order client; ``exchange`` injects a ready (or fake) ccxt object."""
    return BybitExecutionClient(exchange or create_exchange(config))
