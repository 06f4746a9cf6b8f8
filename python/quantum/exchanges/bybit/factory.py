"""Builds the Bybit v5 ccxt.pro exchange and the adapter's clients."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.bybit.config import BybitConfig
from quantum.exchanges.bybit.data import BybitDataClient
from quantum.exchanges.bybit.execution import BybitExecutionClient
from quantum.exchanges.common.factory import create_ccxt_exchange

__all__ = [
    "CCXT_HAS",
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

#: ccxt capability flags this adapter turns off. With API keys, ccxt's ``load_markets`` also
#: reads the private currency list (wallet permission), so a trading-only key would fail to
#: start; currencies matter for deposits and withdrawals, which this system never makes.
CCXT_HAS: dict[str, bool] = {"fetchCurrencies": False}


def create_exchange(config: BybitConfig) -> Any:
    """A configured ``ccxt.pro.bybit`` instance (opens nothing until used)."""
    return create_ccxt_exchange(EXCHANGE_ID, config, CCXT_OPTIONS, CCXT_HAS)


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
