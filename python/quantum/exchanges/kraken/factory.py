"""Builds the Kraken spot ccxt.pro exchange and the adapter's clients."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.common.factory import create_ccxt_exchange
from quantum.exchanges.kraken.config import KrakenConfig
from quantum.exchanges.kraken.data import KrakenDataClient
from quantum.exchanges.kraken.execution import KrakenExecutionClient

__all__ = [
    "CCXT_OPTIONS",
    "EXCHANGE_ID",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]

#: The ccxt / ccxt.pro class name of this venue.
EXCHANGE_ID = "kraken"

#: ccxt options this adapter always sets (none needed for this venue).
CCXT_OPTIONS: dict[str, Any] = {}


def create_exchange(config: KrakenConfig) -> Any:
    """A configured ``ccxt.pro.kraken`` instance (opens nothing until used)."""
    return create_ccxt_exchange(EXCHANGE_ID, config, CCXT_OPTIONS)


def create_data_client(
    config: KrakenConfig, exchange: Any | None = None, **kwargs: Any
) -> KrakenDataClient:
    """The market-data client; ``exchange`` injects a ready (or fake) ccxt.pro object, and
    ``kwargs`` (``sleep``, ``clock_ns``, ``rng``) pass to :class:`MarketDataClient`."""
    return KrakenDataClient(exchange or create_exchange(config), config, **kwargs)


def create_execution_client(
    config: KrakenConfig, exchange: Any | None = None
) -> KrakenExecutionClient:
    """The order client; ``exchange`` injects a ready (or fake) ccxt object."""
    return KrakenExecutionClient(exchange or create_exchange(config))
