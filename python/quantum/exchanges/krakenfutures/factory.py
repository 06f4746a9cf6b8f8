"""Builds the Kraken Futures ccxt.pro exchange and the adapter's clients."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.common.factory import create_ccxt_exchange
from quantum.exchanges.krakenfutures.config import KrakenFuturesConfig
from quantum.exchanges.krakenfutures.data import KrakenFuturesDataClient
from quantum.exchanges.krakenfutures.execution import KrakenFuturesExecutionClient

__all__ = [
    "CCXT_OPTIONS",
    "EXCHANGE_ID",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]

#: The ccxt / ccxt.pro class name of this venue.
EXCHANGE_ID = "krakenfutures"

#: ccxt options this adapter always sets (none needed for this venue).
CCXT_OPTIONS: dict[str, Any] = {}


def create_exchange(config: KrakenFuturesConfig) -> Any:
    """A configured ``ccxt.pro.krakenfutures`` instance (opens nothing until used)."""
    return create_ccxt_exchange(EXCHANGE_ID, config, CCXT_OPTIONS)


def create_data_client(
    config: KrakenFuturesConfig, exchange: Any | None = None, **kwargs: Any
) -> KrakenFuturesDataClient:
    """The market-data client; ``exchange`` injects a ready (or fake) ccxt.pro object, and
    ``kwargs`` (``sleep``, ``clock_ns``, ``rng``) pass to :class:`MarketDataClient`."""
    return KrakenFuturesDataClient(exchange or create_exchange(config), config, **kwargs)


def create_execution_client(
    config: KrakenFuturesConfig, exchange: Any | None = None
) -> KrakenFuturesExecutionClient:
    """The order client; ``exchange`` injects a ready (or fake) ccxt object."""
    return KrakenFuturesExecutionClient(exchange or create_exchange(config))
