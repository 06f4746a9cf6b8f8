"""Binance kline (OHLCV bar) CSV files → tick columns, one tick per bar.

Accepted layouts, gzip or plain, found by the header when there is one, else by the field count:

- freqtrade export: ``open_time,open,high,low,close,volume`` (6 fields; the files in
  ``shared/data/klines``); without ``volume`` (5 fields) for mark-price candles;
- Binance public data (data.binance.vision): 12 fields ``open_time, open, high, low, close, volume,
  close_time, quote_volume, count, taker_buy_volume, taker_buy_quote_volume, ignore``.

Time convention: a bar is known only when it closes, so ``ts_event`` is the bar's close time. With a
``close_time`` column that is the file's value; otherwise it is ``open_time + interval − 1 ms``,
which is exactly Binance's own ``close_time`` (e.g. …:59.999 for a one-minute bar), so both layouts
agree. ``ts_recv = ts_event`` because a historical file has no receive clock. ``price = close``.
Times may be in ms or µs (Binance switched spot files to µs in 2025); the unit is told by magnitude.
``buy_volume``/``sell_volume`` come from ``taker_buy_volume`` when the file has it.

A line that is not all finite numbers, has the wrong field count or a non-integral time is skipped
and reported (see :class:`~quantum.data.report.LoadReport`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

import numpy as np
from numpy.typing import NDArray

from quantum.data._csv import fast_numeric_rows, parse_header, parse_numeric_line
from quantum.data._source import (
    DEFAULT_CHUNK_ROWS,
    infer_interval_ms,
    infer_symbol,
    line_batches,
)
from quantum.data.columns import TickColumns
from quantum.data.report import LoadReport
from quantum.errors import ConfigError, DataError

__all__ = ["iter_binance_klines", "load_binance_klines"]

_POSITIONAL: Final[dict[int, list[str]]] = {
    5: ["open_time", "open", "high", "low", "close"],
    6: ["open_time", "open", "high", "low", "close", "volume"],
    12: [
        "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume",
        "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore",
    ],
}  # fmt: skip
_ALIASES: Final[dict[str, str]] = {
    "timestamp": "open_time",
    "date": "open_time",
    "taker_buy_base_asset_volume": "taker_buy_volume",
    "quote_asset_volume": "quote_volume",
    "number_of_trades": "count",
}
_REQUIRED: Final[tuple[str, ...]] = ("open_time", "open", "high", "low", "close")
_MS: Final[int] = 1_000_000


def iter_binance_klines(
    path: str | Path,
    *,
    symbol: str | None = None,
    interval_ms: int | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    report: LoadReport | None = None,
) -> Iterator[TickColumns]:
    """Stream a kline CSV as tick-column chunks of at most ``chunk_rows`` bars.

    ``symbol`` defaults to the symbol in the file name (``…_BTCUSDT_…``); ``interval_ms`` (only
    needed without a ``close_time`` column) defaults to the interval in the file name (``_1m_``),
    else to the smallest step between the first chunk's bars. Pass a ``report`` to receive the
    counts and the first malformed lines.
    """
    path = Path(path)
    report = report if report is not None else LoadReport()
    report.source = str(path)
    name = symbol or infer_symbol(path)
    if name is None:
        raise ConfigError(f"cannot tell the symbol of {path.name}; pass symbol=")
    interval = interval_ms or infer_interval_ms(path)
    layout: dict[str, int] | None = None
    ncols = 0
    for first_line_no, lines in line_batches(path, chunk_rows, report):
        if layout is None:
            header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
            if header_at is None:
                continue
            header = parse_header(lines[header_at])
            layout, ncols = _layout(header, lines[header_at], path)
            if header is not None:
                first_line_no += header_at + 1
                lines = lines[header_at + 1 :]
        values = fast_numeric_rows(lines, ncols)
        if values is None or not _valid_times(values, layout):
            values = _parse_slow(lines, first_line_no, ncols, layout, report)
        if not len(values):
            continue
        if interval is None and "close_time" not in layout:
            interval = _interval_from_data(values[:, layout["open_time"]], path)
        chunk = _to_ticks(values, layout, name, interval)
        report.rows += len(chunk)
        yield chunk


def load_binance_klines(
    path: str | Path,
    *,
    symbol: str | None = None,
    interval_ms: int | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> tuple[TickColumns, LoadReport]:
    """Load a whole kline CSV: the concatenated chunks of :func:`iter_binance_klines`."""
    report = LoadReport()
    chunks = list(
        iter_binance_klines(
            path, symbol=symbol, interval_ms=interval_ms, chunk_rows=chunk_rows, report=report
        )
    )
    names = ("price", "open", "high", "low", "close", "volume")
    return TickColumns.concat(chunks, names, ()), report


def _layout(header: list[str] | None, line: bytes, path: Path) -> tuple[dict[str, int], int]:
    if header is None:
        count = len(line.split(b","))
        names = _POSITIONAL.get(count)
        if names is None:
            raise DataError(f"{path.name}: unknown kline layout with {count} fields and no header")
    else:
        names = [_ALIASES.get(h, h) for h in header]
        count = len(names)
    layout = {n: i for i, n in enumerate(names)}
    missing = [n for n in _REQUIRED if n not in layout]
    if missing:
        raise DataError(f"{path.name}: kline header lacks {', '.join(missing)}")
    return layout, count


def _valid_times(values: NDArray[np.float64], layout: dict[str, int]) -> bool:
    for name in ("open_time", "close_time"):
        if name in layout:
            col = values[:, layout[name]]
            if not bool(np.all((col > 0) & (col == np.floor(col)) & (col < 2.0**53))):
                return False
    return True


def _parse_slow(
    lines: list[bytes], first_line_no: int, ncols: int, layout: dict[str, int], report: LoadReport
) -> NDArray[np.float64]:
    rows: list[list[float]] = []
    for offset, line in enumerate(lines):
        if not line.strip():
            continue
        parsed = parse_numeric_line(line, ncols)
        if isinstance(parsed, list):
            one = np.array([parsed], dtype=np.float64)
            if _valid_times(one, layout):
                rows.append(parsed)
                continue
            parsed = "time is not a positive whole number"
        report.add_error(first_line_no + offset, parsed)
    return np.array(rows, dtype=np.float64).reshape(len(rows), ncols)


def _interval_from_data(open_times: NDArray[np.float64], path: Path) -> int:
    steps = np.diff(open_times)
    steps = steps[steps > 0]
    if not len(steps):
        raise ConfigError(f"cannot tell the bar interval of {path.name}; pass interval_ms=")
    step = int(steps.min())
    # The interval is in the file's own time unit; express it in ms for the caller's convention.
    return step // 1000 if open_times[0] >= 1e14 else step


def _times_ns(raw: NDArray[np.float64]) -> NDArray[np.int64]:
    ints = raw.astype(np.int64)
    # µs when the magnitude says so (Binance spot since 2025), ms otherwise.
    return np.where(ints >= 100_000_000_000_000, ints * 1_000, ints * _MS)


def _to_ticks(
    values: NDArray[np.float64], layout: dict[str, int], symbol: str, interval_ms: int | None
) -> TickColumns:
    n = len(values)
    if "close_time" in layout:
        ts = _times_ns(values[:, layout["close_time"]])
    else:
        assert interval_ms is not None  # set by the caller before the first chunk
        ts = _times_ns(values[:, layout["open_time"]]) + (interval_ms - 1) * _MS
    cols: dict[str, NDArray[np.generic]] = {
        "ts_event": ts,
        "ts_recv": ts.copy(),
        "symbol": np.zeros(n, dtype=np.uint32),
    }
    close = np.ascontiguousarray(values[:, layout["close"]])
    cols["price"] = close.copy()
    for name in ("open", "high", "low"):
        cols[name] = np.ascontiguousarray(values[:, layout[name]])
    cols["close"] = close
    if "volume" in layout:
        volume = np.ascontiguousarray(values[:, layout["volume"]])
        cols["volume"] = volume
        if "taker_buy_volume" in layout:
            buy = np.ascontiguousarray(values[:, layout["taker_buy_volume"]])
            cols["buy_volume"] = buy
            cols["sell_volume"] = volume - buy
    return TickColumns(cols, (symbol,))
