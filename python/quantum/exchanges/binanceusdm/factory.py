"""Builds the Binance USD-M futures ccxt.pro exchange and the adapter's clients."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.binanceusdm.config import BinanceUsdmConfig
from quantum.exchanges.binanceusdm.data import BinanceUsdmDataClient
from quantum.exchanges.binanceusdm.execution import BinanceUsdmExecutionClient
from quantum.exchanges.common.factory import create_ccxt_exchange

__all__ = [
    "CCXT_OPTIONS",
    "EXCHANGE_ID",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]

#: The ccxt / ccxt.pro class name of this venue.
EXCHANGE_ID = "binanceusdm"

#: ccxt options this adapter always sets. A USD-M futures adapter needs neither Binance's spot
#: currency list nor its cross-margin pairs, which ccxt would otherwise load (from the spot
#: ``sapi`` endpoints) whenever API keys are present.
CCXT_OPTIONS: dict[str, Any] = {"fetchCurrencies": False, "fetchMargins": False}


def create_exchange(config: BinanceUsdmConfig) -> Any:
    """A configured ``ccxt.pro.binanceusdm`` instance (opens nothing until used)."""
    return create_ccxt_exchange(EXCHANGE_ID, config, CCXT_OPTIONS)


def create_data_client(
    config: BinanceUsdmConfig, exchange: Any | None = None, **kwargs: Any
) -> BinanceUsdmDataClient:
    """The market-data client; ``exchange`` injects a ready (or fake) ccxt.pro object, and
    ``kwargs`` (``sleep``, ``clock_ns``, ``rng``) pass to :class:`MarketDataClient`."""
    return BinanceUsdmDataClient(exchange or create_exchange(config), config, **kwargs)


def create_execution_client(
    config: BinanceUsdmConfig, exchange: Any | None = None
) -> BinanceUsdmExecutionClient:
    """The order client; ``exchange`` injects a ready (or fake) ccxt object."""
    return BinanceUsdmExecutionClient(exchange or create_exchange(config))
