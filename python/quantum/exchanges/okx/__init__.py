"""OKX v5 adapter: config, native parsers, market data, execution, factory."""

from quantum.exchanges.okx.config import OkxConfig
from quantum.exchanges.okx.data import OkxDataClient
from quantum.exchanges.okx.execution import OkxExecutionClient
from quantum.exchanges.okx.factory import (
    create_data_client,
    create_exchange,
    create_execution_client,
)

__all__ = [
    "OkxConfig",
    "OkxDataClient",
    "OkxExecutionClient",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]
