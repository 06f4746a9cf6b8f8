"""Binance USD-M futures adapter: config, native parsers (Python, and the Rust batch parser in
:mod:`~quantum.exchanges.binanceusdm.native`), market data, execution, factory."""

from quantum.exchanges.binanceusdm.config import BinanceUsdmConfig
from quantum.exchanges.binanceusdm.data import BinanceUsdmDataClient
from quantum.exchanges.binanceusdm.execution import BinanceUsdmExecutionClient
from quantum.exchanges.binanceusdm.factory import (
    create_data_client,
    create_exchange,
    create_execution_client,
)
from quantum.exchanges.binanceusdm.native import NativeBatch, ParseReject, parse_native_batch

__all__ = [
    "BinanceUsdmConfig",
    "BinanceUsdmDataClient",
    "BinanceUsdmExecutionClient",
    "NativeBatch",
    "ParseReject",
    "create_data_client",
    "create_exchange",
    "create_execution_client",
    "parse_native_batch",
]
