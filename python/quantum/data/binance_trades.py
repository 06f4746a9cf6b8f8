"""Binance trade-print CSV files → tick columns, one tick per trade.

Accepted layouts, gzip or plain, by header when there is one, else by field count:

- the hftbacktest extract in ``shared/data/trades``: ``market, symbol, trade_id, event_time_ms,
  trade_time_ms, price, qty, is_buyer_maker, local_recv_ts_ns, source_file``;
- Binance public data ``trades``: ``id, price, qty, quote_qty, time, is_buyer_maker
  [, is_best_match]`` (6 fields for futures, 7 for spot);
- Binance public data ``aggTrades``: ``agg_trade_id, price, quantity, first_trade_id, last_trade_id,
  transact_time, is_buyer_maker [, is_best_match]``.

Mapping: ``price`` = trade price, ``volume`` = quantity. ``is_buyer_maker`` true means the buyer's
order was resting, so the aggressor *sold*: the quantity goes to ``sell_volume``, else to
``buy_volume``. ``ts_event`` is the trade (match) time, else the event time; ``ts_recv`` is the
collector's receive time when the file has one, else ``ts_event``. Times given in a column named
``*_ms``/``*_ns`` use that unit; a plain ``time`` column may be ms or µs and is told by magnitude.

When the file has a ``symbol`` column, each row gets its own symbol; with a ``market`` column as
well the name is qualified (``usdm:BTCUSDT``), because the same symbol on spot and on a perpetual
are different instruments.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from numpy.typing import NDArray

from quantum.data._csv import parse_header
from quantum.data._source import (
    DEFAULT_CHUNK_ROWS,
    infer_symbol,
    line_batches,
    to_ns,
    to_ns_array,
)
from quantum.data.columns import SymbolTable, TickColumns
from quantum.data.report import LoadReport
from quantum.errors import ConfigError, DataError

__all__ = ["iter_binance_trades", "load_binance_trades"]

_POSITIONAL: Final[dict[int, list[str]]] = {
    6: ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker"],
    7: ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker", "is_best_match"],
    8: [
        "agg_trade_id", "price", "qty", "first_trade_id", "last_trade_id", "time",
        "is_buyer_maker", "is_best_match",
    ],
}  # fmt: skip
_ALIASES: Final[dict[str, str]] = {"quantity": "qty", "transact_time": "time"}
_TRUE: Final[frozenset[str]] = frozenset({"true", "1", "t"})
_FALSE: Final[frozenset[str]] = frozenset({"false", "0", "f"})
_NAMES: Final[tuple[str, ...]] = ("price", "volume", "buy_volume", "sell_volume")


def iter_binance_trades(
    path: str | Path,
    *,
    symbol: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    report: LoadReport | None = None,
) -> Iterator[TickColumns]:
    """Stream a trades CSV as tick-column chunks of at most ``chunk_rows`` trades.

    ``symbol`` is used when the file has no symbol column (default: the symbol in the file name).
    Symbol ids are stable across chunks; each chunk carries the name table known so far.
    """
    path = Path(path)
    report = report if report is not None else LoadReport()
    report.source = str(path)
    table = SymbolTable()
    layout: dict[str, int] | None = None
    fixed_symbol = 0
    for first_line_no, lines in line_batches(path, chunk_rows, report):
        if layout is None:
            header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
            if header_at is None:
                continue
            header = parse_header(lines[header_at])
            layout = _layout(header, lines[header_at], path)
            if "symbol" not in layout:
                name = symbol or infer_symbol(path)
                if name is None:
                    raise ConfigError(f"cannot tell the symbol of {path.name}; pass symbol=")
                fixed_symbol = table.intern(name)
            if header is not None:
                first_line_no += header_at + 1
                lines = lines[header_at + 1 :]
        chunk = _fast_chunk(lines, layout, table, fixed_symbol)
        if chunk is None:
            chunk = _parse_chunk(lines, first_line_no, layout, table, fixed_symbol, report)
        if len(chunk):
            report.rows += len(chunk)
            yield chunk


def load_binance_trades(
    path: str | Path, *, symbol: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> tuple[TickColumns, LoadReport]:
    """Load a whole trades CSV: the concatenated chunks of :func:`iter_binance_trades`."""
    report = LoadReport()
    chunks = list(iter_binance_trades(path, symbol=symbol, chunk_rows=chunk_rows, report=report))
    return TickColumns.concat(chunks, _NAMES), report


def _layout(header: list[str] | None, line: bytes, path: Path) -> dict[str, int]:
    if header is None:
        count = len(line.split(b","))
        names = _POSITIONAL.get(count)
        if names is None:
            raise DataError(f"{path.name}: unknown trades layout with {count} fields, no header")
    else:
        names = [_ALIASES.get(h, h) for h in header]
    layout = {n: i for i, n in enumerate(names)}
    if not any(t in layout for t in ("trade_time_ms", "event_time_ms", "time")):
        raise DataError(f"{path.name}: trades header has no time column")
    missing = [n for n in ("price", "qty", "is_buyer_maker") if n not in layout]
    if missing:
        raise DataError(f"{path.name}: trades header lacks {', '.join(missing)}")
    return layout


def _time_column(layout: dict[str, int]) -> tuple[int, int]:
    """The time column and its ns multiplier (0: unit told by magnitude); trade time wins."""
    if "trade_time_ms" in layout:
        return layout["trade_time_ms"], 1_000_000
    if "event_time_ms" in layout:
        return layout["event_time_ms"], 1_000_000
    return layout["time"], 0


def _fast_chunk(
    lines: list[bytes], layout: dict[str, int], table: SymbolTable, fixed_symbol: int
) -> TickColumns | None:
    """Parse a chunk with Arrow's C++ CSV reader, or return ``None`` to use the line parser.

    Only a chunk that is clean by the line parser's rules is accepted here (any blank line, bad
    field count, unparsable or non-finite number, non-positive time or untidy symbol sends the
    whole chunk to :func:`_parse_chunk`, which reports line numbers), so both paths give the same
    result.
    """
    if not lines or not all(lines):
        return None
    i_time, time_scale = _time_column(layout)
    wanted = {"price": pa.float64(), "qty": pa.float64(), "is_buyer_maker": pa.bool_()}
    wanted_idx = {"price": layout["price"], "qty": layout["qty"]}
    wanted_idx["is_buyer_maker"] = layout["is_buyer_maker"]
    wanted_idx["time"], wanted["time"] = i_time, pa.int64()
    for name in ("local_recv_ts_ns", "symbol", "market"):
        if name in layout:
            wanted_idx[name] = layout[name]
            wanted[name] = pa.int64() if name == "local_recv_ts_ns" else pa.string()
    column_names = [f"c{i}" for i in range(len(layout))]
    try:
        parsed = pacsv.read_csv(
            pa.py_buffer(b"\n".join(lines)),
            read_options=pacsv.ReadOptions(column_names=column_names, use_threads=False),
            parse_options=pacsv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": wanted[n] for n, i in wanted_idx.items()},
                include_columns=[f"c{i}" for i in wanted_idx.values()],
                null_values=[],
                true_values=["true", "True", "TRUE", "1", "t"],
                false_values=["false", "False", "FALSE", "0", "f"],
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if parsed.num_rows != len(lines):
        return None
    col = {n: parsed.column(f"c{i}").combine_chunks() for n, i in wanted_idx.items()}
    if any(c.null_count for c in col.values()):
        return None
    price = col["price"].to_numpy()
    qty = col["qty"].to_numpy()
    times = col["time"].to_numpy()
    if not (np.isfinite(price).all() and np.isfinite(qty).all() and (times > 0).all()):
        return None
    ts_event = times * time_scale if time_scale else to_ns_array(times)
    ts_recv = col["local_recv_ts_ns"].to_numpy() if "local_recv_ts_ns" in col else ts_event
    if "symbol" in col:
        names = col["symbol"]
        if "market" in col:
            names = pc.binary_join_element_wise(col["market"], names, ":")
        encoded = pc.dictionary_encode(names)
        distinct = encoded.dictionary.to_pylist()
        market_ok = "market" not in col or all(
            m == m.strip() for m in col["market"].unique().to_pylist()
        )
        if not market_ok or not all(d and d == d.strip() and not d.endswith(":") for d in distinct):
            return None
        remap = np.array([table.intern(d) for d in distinct], dtype=np.uint32)
        symbol = remap[encoded.indices.to_numpy()]
    else:
        symbol = np.full(len(price), fixed_symbol, dtype=np.uint32)
    maker = col["is_buyer_maker"].to_numpy(zero_copy_only=False)
    return TickColumns(
        {
            "ts_event": np.ascontiguousarray(ts_event, dtype=np.int64),
            "ts_recv": np.array(ts_recv, dtype=np.int64),
            "symbol": symbol,
            "price": price,
            "volume": qty,
            "buy_volume": np.where(maker, 0.0, qty),
            "sell_volume": np.where(maker, qty, 0.0),
        },
        table.names(),
    )


def _parse_chunk(
    lines: list[bytes],
    first_line_no: int,
    layout: dict[str, int],
    table: SymbolTable,
    fixed_symbol: int,
    report: LoadReport,
) -> TickColumns:
    ncols = len(layout)
    i_price, i_qty, i_maker = layout["price"], layout["qty"], layout["is_buyer_maker"]
    i_symbol = layout.get("symbol")
    i_market = layout.get("market")
    i_recv = layout.get("local_recv_ts_ns")
    i_time, time_scale = _time_column(layout)
    ints: list[tuple[int, int, int]] = []
    floats: list[tuple[float, float, float, float]] = []
    for offset, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            fields = raw.decode("utf-8").split(",")
            if len(fields) != ncols:
                raise ValueError(f"expected {ncols} fields, found {len(fields)}")
            price = float(fields[i_price])
            qty = float(fields[i_qty])
            if not (math.isfinite(price) and math.isfinite(qty)):
                raise ValueError("price or quantity is not finite")
            maker = fields[i_maker].strip().lower()
            if maker not in _TRUE and maker not in _FALSE:
                raise ValueError(f"is_buyer_maker is not a boolean: {maker[:20]!r}")
            t = int(fields[i_time])
            if t <= 0:
                raise ValueError("time is not positive")
            ts_event = t * time_scale if time_scale else to_ns(t)
            ts_recv = int(fields[i_recv]) if i_recv is not None else ts_event
            if i_symbol is None:
                sid = fixed_symbol
            else:
                name = fields[i_symbol].strip()
                if not name:
                    raise ValueError("empty symbol")
                if i_market is not None:
                    name = f"{fields[i_market].strip()}:{name}"
                sid = table.intern(name)
        except (ValueError, UnicodeDecodeError) as exc:
            report.add_error(first_line_no + offset, str(exc))
            continue
        ints.append((ts_event, ts_recv, sid))
        if maker in _TRUE:
            floats.append((price, qty, 0.0, qty))
        else:
            floats.append((price, qty, qty, 0.0))
    int_arr = np.array(ints, dtype=np.int64).reshape(len(ints), 3)
    float_arr = np.array(floats, dtype=np.float64).reshape(len(floats), 4)
    cols: dict[str, NDArray[Any]] = {
        "ts_event": np.ascontiguousarray(int_arr[:, 0]),
        "ts_recv": np.ascontiguousarray(int_arr[:, 1]),
        "symbol": int_arr[:, 2].astype(np.uint32),
    }
    for j, name in enumerate(_NAMES):
        cols[name] = np.ascontiguousarray(float_arr[:, j])
    return TickColumns(cols, table.names())
