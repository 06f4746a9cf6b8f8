"""Kraken Futures adapter: config, native parsers, market data, execution, factory."""

from quantum.exchanges.krakenfutures.config import KrakenFuturesConfig
from quantum.exchanges.krakenfutures.data import KrakenFuturesDataClient
from quantum.exchanges.krakenfutures.execution import KrakenFuturesExecutionClient
from quantum.exchanges.krakenfutures.factory import (
    create_data_client,
    create_exchange,
    create_execution_client,
)

__all__ = [
    "KrakenFuturesConfig",
    "KrakenFuturesDataClient",
    "KrakenFuturesExecutionClient",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]
