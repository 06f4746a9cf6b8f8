"""The real recording shipped with the package: the default feed of ``quantum serve``.

An excerpt of Binance USDⓈ-M perpetual futures around midnight UTC, 2024-08-08 → 09: BTCUSDT best
bid/ask (``bookTicker``) and trade prints from the hftbacktest collector capture, and ETHUSDT trade
prints from the same collector over the same minutes. It is stored in the project's recording
format (:func:`quantum.data.read_recording`); ``recordings/SOURCES.md`` next to it names the
upstream files and their licence.

:func:`build_embedded_recording` rebuilds it from the shared data files, so the shipped excerpt is
reproducible (a test checks the rebuilt ticks equal the shipped ones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np

from quantum.data.binance_l2 import load_binance_l2
from quantum.data.binance_trades import load_binance_trades
from quantum.data.columns import TickColumns
from quantum.data.recording import Recorder
from quantum.errors import DataError

__all__ = [
    "EMBEDDED_END_NS",
    "EMBEDDED_RECORDING",
    "EMBEDDED_START_NS",
    "EMBEDDED_SYMBOLS",
    "build_embedded_recording",
]

#: The shipped recording directory (package data).
EMBEDDED_RECORDING: Final[Path] = Path(__file__).resolve().parent / "recordings" / "binance_usdm"
#: The symbols it carries, in id order.
EMBEDDED_SYMBOLS: Final[tuple[str, ...]] = ("BTCUSDT", "ETHUSDT")
#: Its receive-time window, [start, end): 2024-08-08 23:56:00 → 23:59:00 UTC.
EMBEDDED_START_NS: Final[int] = 1_723_161_360_000_000_000
EMBEDDED_END_NS: Final[int] = 1_723_161_540_000_000_000

_L2: Final[str] = "l2_book/binance_usdm_btcusdt_20240808.jsonl.gz"
_TRADES: Final[str] = "trades/binance_trades_hftbacktest_captures.csv.gz"
_ETH: Final[str] = "usdm:ETHUSDT"


def _window(ticks: TickColumns, start_ns: int, end_ns: int) -> TickColumns:
    recv = ticks["ts_recv"]
    return ticks.take((recv >= start_ns) & (recv < end_ns))


def embedded_ticks(
    shared_data: Path, start_ns: int = EMBEDDED_START_NS, end_ns: int = EMBEDDED_END_NS
) -> TickColumns:
    """The excerpt's ticks read from the shared data files, in receive order."""
    # A recording keeps what the machine received, when its clock said so: the service replays
    # it on that clock, so it is not moved the way a backtest's load moves it.
    book, _ = load_binance_l2(shared_data / _L2, align_receive_clock=False)
    btc = _window(book.ticks, start_ns, end_ns)
    if btc.symbol_names != ("BTCUSDT",):
        raise DataError(f"{_L2}: expected only BTCUSDT, found {btc.symbol_names}")
    trades, _ = load_binance_trades(shared_data / _TRADES)
    if _ETH not in trades.symbol_names:
        raise DataError(f"{_TRADES}: no {_ETH} trades")
    eth = trades.take(trades["symbol"] == trades.symbol_names.index(_ETH))
    eth = _window(eth, start_ns, end_ns)
    # One name per instrument: the trades file qualifies names by market, the capture does not.
    eth = TickColumns({**eth.columns, "symbol": np.zeros(len(eth), np.uint32)}, ("ETHUSDT",))
    merged = TickColumns.concat([btc, eth.with_symbol_names(EMBEDDED_SYMBOLS)])
    # A stable sort: each stream keeps its own arrival order where receive times tie.
    return merged.sorted("ts_recv")


def build_embedded_recording(
    shared_data: Path,
    out: Path,
    start_ns: int = EMBEDDED_START_NS,
    end_ns: int = EMBEDDED_END_NS,
) -> int:
    """Write the excerpt as a recording at ``out`` (a new directory); the number of ticks."""
    ticks = embedded_ticks(shared_data, start_ns, end_ns)
    if len(ticks) == 0:
        raise DataError("the embedded window holds no ticks")
    with Recorder(out) as recorder:
        recorder.append(ticks)
    return len(ticks)
