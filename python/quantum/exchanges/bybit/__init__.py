"""Bybit v5 adapter: config, native parsers, market data, execution, factory."""

from quantum.exchanges.bybit.config import BybitConfig
from quantum.exchanges.bybit.data import BybitDataClient
from quantum.exchanges.bybit.execution import BybitExecutionClient
from quantum.exchanges.bybit.factory import (
    create_data_client,
    create_exchange,
    create_execution_client,
)

__all__ = [
    "BybitConfig",
    "BybitDataClient",
    "BybitExecutionClient",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]
