"""Market data in: tick and depth columns, exchange-file loaders, the synthetic market, recordings.

Everything the Rust core consumes crosses as NumPy columns: :class:`TickColumns` for ticks (quotes,
trades, bars, funding, liquidations) and :class:`DepthColumns` for L2 book messages. Each loader has
a streaming form (``iter_*``, constant memory, chunks of ``chunk_rows``) and a whole-file form
(``load_*`` / ``read_*``) that returns the data with a :class:`LoadReport`; malformed input is
skipped, counted and reported, never fatal.
"""

from __future__ import annotations

from quantum.data.binance_klines import iter_binance_klines, load_binance_klines
from quantum.data.binance_l2 import L2_TICK_COLUMNS, iter_binance_l2, load_binance_l2
from quantum.data.binance_trades import iter_binance_trades, load_binance_trades
from quantum.data.columns import (
    OPTIONAL_TICK_COLUMNS,
    REQUIRED_TICK_COLUMNS,
    TICK_DTYPES,
    SymbolTable,
    TickColumns,
)
from quantum.data.depth import DepthColumns
from quantum.data.feed import FeedChunk
from quantum.data.funding import FundingSchedule, iter_funding_rates, load_funding_rates
from quantum.data.parquet_io import (
    TickParquetWriter,
    iter_ticks_parquet,
    read_ticks_parquet,
    write_ticks_parquet,
)
from quantum.data.recording import Recorder, iter_recording, read_recording
from quantum.data.report import LoadReport
from quantum.data.synthetic import SyntheticParams, generate

__all__ = [
    "L2_TICK_COLUMNS",
    "OPTIONAL_TICK_COLUMNS",
    "REQUIRED_TICK_COLUMNS",
    "TICK_DTYPES",
    "DepthColumns",
    "FeedChunk",
    "FundingSchedule",
    "LoadReport",
    "Recorder",
    "SymbolTable",
    "SyntheticParams",
    "TickColumns",
    "TickParquetWriter",
    "generate",
    "iter_binance_klines",
    "iter_binance_l2",
    "iter_binance_trades",
    "iter_funding_rates",
    "iter_recording",
    "iter_ticks_parquet",
    "load_binance_klines",
    "load_binance_l2",
    "load_binance_trades",
    "load_funding_rates",
    "read_recording",
    "read_ticks_parquet",
    "write_ticks_parquet",
]
