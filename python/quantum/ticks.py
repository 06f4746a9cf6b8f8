"""Tick batches as columns: validation and conversion from dicts of arrays or DataFrames.

The core reads these names (see ``COLUMNS``); any subset is allowed except ``ts_event``. Missing
float columns mean "not provided" (the core reads NaN), never zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from quantum.errors import ColumnError

__all__ = ["COLUMNS", "FLOAT_COLUMNS", "TickBatch", "to_batch"]

FLOAT_COLUMNS: tuple[str, ...] = (
    "price", "bid", "ask", "bid_qty", "ask_qty", "volume", "buy_volume", "sell_volume",
    "open", "high", "low", "close", "liq_volume", "funding_rate", "open_interest",
)  # fmt: skip
INT_COLUMNS: dict[str, type[np.generic]] = {
    "ts_event": np.int64,
    "ts_recv": np.int64,
    "symbol": np.uint32,
    "liq_side": np.int8,
}
COLUMNS: tuple[str, ...] = (*INT_COLUMNS, *FLOAT_COLUMNS)


@dataclass(frozen=True)
class TickBatch:
    """Contiguous, correctly typed columns plus the symbol name table."""

    columns: dict[str, npt.NDArray[Any]]
    symbol_names: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.columns["ts_event"].shape[0])


def _as_column(name: str, values: Any, dtype: type[np.generic]) -> npt.NDArray[Any]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ColumnError(f"column '{name}' must be 1-D, got shape {arr.shape}", name)
    kind = np.dtype(dtype).kind
    if kind in "iu":
        if arr.dtype.kind not in "iub":
            if arr.dtype.kind == "M":  # datetime64 → ns since epoch
                arr = arr.astype("datetime64[ns]").astype(np.int64)
            else:
                raise ColumnError(f"column '{name}' must be integer, got {arr.dtype}", name)
        if dtype is np.int8 and arr.size and (arr.min() < -1 or arr.max() > 1):
            raise ColumnError(f"column '{name}' must hold -1, 0 or +1", name)
        if dtype is np.uint32 and arr.size and arr.min() < 0:
            raise ColumnError(f"column '{name}' must hold non-negative ids", name)
    elif arr.dtype.kind not in "fiub":
        raise ColumnError(f"column '{name}' must be numeric, got {arr.dtype}", name)
    return np.ascontiguousarray(arr, dtype=dtype)


def _symbols(values: Any, names: Sequence[str] | None) -> tuple[npt.NDArray[Any], tuple[str, ...]]:
    arr = np.asarray(values)
    if arr.dtype.kind in "OUS":
        uniques, codes = np.unique(arr.astype(str), return_inverse=True)
        return np.ascontiguousarray(codes, dtype=np.uint32), tuple(str(u) for u in uniques)
    ids = _as_column("symbol", arr, np.uint32)
    count = int(ids.max()) + 1 if ids.size else 0
    table = tuple(names) if names is not None else tuple(str(i) for i in range(count))
    if len(table) < count:
        raise ColumnError(
            f"symbol_names has {len(table)} names but ids go up to {count - 1}", "symbol"
        )
    return ids, table


def to_batch(ticks: Any, symbol_names: Sequence[str] | None = None) -> TickBatch:
    """Converts a dict of arrays, a pandas DataFrame or a ``TickBatch`` into a ``TickBatch``.

    A string ``symbol`` column is factorised into ids (sorted names). Unknown column names are an
    error, so a typo never silently becomes "not provided".
    """
    if isinstance(ticks, TickBatch):
        return ticks
    if hasattr(ticks, "symbol_names") and isinstance(getattr(ticks, "columns", None), Mapping):
        # quantum.data.TickColumns: already validated columns plus their name table.
        return to_batch(dict(ticks.columns), symbol_names or ticks.symbol_names)
    if hasattr(ticks, "to_dict") and hasattr(ticks, "columns"):  # pandas DataFrame
        source: Mapping[str, Any] = {str(c): ticks[c].to_numpy() for c in ticks.columns}
    elif isinstance(ticks, Mapping):
        source = ticks
    else:
        raise ColumnError(
            f"ticks must be a dict of arrays or a DataFrame, got {type(ticks).__name__}"
        )
    names_in = symbol_names
    if "symbol_names" in source and names_in is None:
        names_in = [str(n) for n in source["symbol_names"]]
    unknown = sorted(set(source) - set(COLUMNS) - {"symbol_names"})
    if unknown:
        raise ColumnError(f"unknown tick column(s): {', '.join(unknown)}", unknown[0])
    if "ts_event" not in source:
        raise ColumnError("column 'ts_event' is required", "ts_event")
    cols: dict[str, npt.NDArray[Any]] = {}
    n = len(np.asarray(source["ts_event"]))
    for name in COLUMNS:
        if name not in source:
            continue
        if name == "symbol":
            cols[name], table = _symbols(source[name], names_in)
        elif name in INT_COLUMNS:
            cols[name] = _as_column(name, source[name], INT_COLUMNS[name])
        else:
            cols[name] = _as_column(name, source[name], np.float64)
        if cols[name].shape[0] != n:
            raise ColumnError(f"column '{name}' has {cols[name].shape[0]} rows, expected {n}", name)
    if "symbol" not in cols:
        table = tuple(names_in) if names_in is not None else ("0",)
    return TickBatch(columns=cols, symbol_names=table)
