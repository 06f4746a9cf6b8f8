"""Binance USD-M futures adapter: config, native parsers, market data, execution, factory."""

from quantum.exchanges.binanceusdm.config import BinanceUsdmConfig
from quantum.exchanges.binanceusdm.data import BinanceUsdmDataClient
from quantum.exchanges.binanceusdm.execution import BinanceUsdmExecutionClient
from quantum.exchanges.binanceusdm.factory import (
    create_data_client,
    create_exchange,
    create_execution_client,
)

__all__ = [
    "BinanceUsdmConfig",
    "BinanceUsdmDataClient",
    "BinanceUsdmExecutionClient",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
]
