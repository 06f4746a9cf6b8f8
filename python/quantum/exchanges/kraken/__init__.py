"""Kraken spot adapter: config, native parsers, market data, execution, factory."""

from quantum.exchanges.kraken.config import KrakenConfig
from quantum.exchanges.kraken.data import KrakenDataClient
from quantum.exchanges.kraken.execution import KrakenExecutionClient
from quantum.exchanges.kraken.factory import (
    create_data_client,
    create_exchange,
    create_execution_client,
)

__all__ = [
    "KrakenConfig",
    "KrakenDataClient",
    "KrakenExecutionClient",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]
