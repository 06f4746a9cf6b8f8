"""Tick columns to and from Parquet, streamed by row group so file size does not bound memory.

Files written here hold the tick columns under their own names and dtypes, except ``symbol``, which
is stored as a dictionary-encoded string column so any Parquet reader (pandas, polars, DuckDB) sees
symbol names. The full name table also goes into the file's key-value metadata
(``quantum.symbol_names``), so reading gives back the very same ids.

Reading also accepts Parquet written elsewhere: known columns are cast to their tick dtype (an
Arrow timestamp becomes int64 ns), unknown columns are left out, ``symbol`` may be strings or
dictionary strings (or integers with the metadata above), a missing ``ts_recv`` is taken to be
``ts_event``, and a missing ``symbol`` column takes the ``symbol`` argument. A null in a float
column means "not provided" (NaN); a row with a null time or symbol, or a ``liq_side`` outside
−1..1, is skipped and reported by its 1-based row number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from numpy.typing import NDArray

from quantum.data._source import DEFAULT_CHUNK_ROWS, infer_symbol
from quantum.data.columns import TICK_DTYPES, SymbolTable, TickColumns, fill_value
from quantum.data.report import LoadReport
from quantum.errors import ColumnError, ConfigError, DataError

__all__ = [
    "SYMBOL_NAMES_KEY",
    "TickParquetWriter",
    "iter_ticks_parquet",
    "read_ticks_parquet",
    "ticks_from_arrow",
    "ticks_to_arrow",
    "write_ticks_parquet",
]

SYMBOL_NAMES_KEY: Final[str] = "quantum.symbol_names"
_TIME_COLUMNS: Final[tuple[str, ...]] = ("ts_event", "ts_recv")


def ticks_to_arrow(ticks: TickColumns, names: Sequence[str] | None = None) -> pa.Table:
    """An Arrow table of ``ticks`` (zero-copy for the numeric columns).

    ``names`` fixes the column set (missing ones are filled with "not provided"); it must include
    every column ``ticks`` has.
    """
    wanted = list(ticks.names) if names is None else [n for n in TICK_DTYPES if n in set(names)]
    extra = [n for n in ticks.names if n not in wanted]
    if extra:
        raise ColumnError(f"column {extra[0]} is not in the file's schema", column=extra[0])
    arrays: list[pa.Array] = []
    for name in wanted:
        if name == "symbol":
            indices = pa.array(ticks["symbol"].astype(np.int32))
            arrays.append(
                pa.DictionaryArray.from_arrays(
                    indices, pa.array(list(ticks.symbol_names), pa.string())
                )
            )
        elif name in ticks:
            arrays.append(pa.array(ticks[name]))
        else:
            arrays.append(pa.array(np.full(len(ticks), fill_value(name), TICK_DTYPES[name])))
    return pa.Table.from_arrays(arrays, names=wanted)


class TickParquetWriter:
    """Write tick chunks to one Parquet file, one row group per chunk.

    The column set is fixed by the first chunk (or ``names``); later chunks may lack optional
    columns (written as "not provided") but may not add new ones. The file is complete after
    :meth:`close` (or leaving the ``with`` block), which also records the symbol name table.
    """

    def __init__(
        self, path: str | Path, names: Sequence[str] | None = None, compression: str = "zstd"
    ) -> None:
        self._path = Path(path)
        self._names = None if names is None else list(names)
        self._compression = compression
        self._writer: pq.ParquetWriter | None = None
        self._symbols = SymbolTable()
        self.rows = 0

    def write(self, ticks: TickColumns) -> None:
        """Append one chunk."""
        if not len(ticks):
            return
        # Ids are re-expressed against the writer's growing table so chunks may come from
        # different sources.
        for name in ticks.symbol_names:
            self._symbols.intern(name)
        ticks = ticks.with_symbol_names(self._symbols.names())
        if self._names is None:
            self._names = list(ticks.names)
        table = ticks_to_arrow(ticks, self._names)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._path, table.schema, compression=self._compression)
        else:
            table = table.cast(self._writer.schema)
        self._writer.write_table(table)
        self.rows += len(ticks)

    def close(self) -> None:
        """Finish the file (an empty file when nothing was written)."""
        if self._writer is None:
            self.write_empty()
        assert self._writer is not None
        self._writer.add_key_value_metadata(
            {SYMBOL_NAMES_KEY: json.dumps(list(self._symbols.names()))}
        )
        self._writer.close()

    def write_empty(self) -> None:
        """Open the file with the schema and no rows."""
        empty = TickColumns.empty(self._names or (), ())
        table = ticks_to_arrow(empty, self._names)
        self._writer = pq.ParquetWriter(self._path, table.schema, compression=self._compression)

    def __enter__(self) -> TickParquetWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_ticks_parquet(path: str | Path, ticks: TickColumns, compression: str = "zstd") -> None:
    """Write ``ticks`` to a Parquet file in one go."""
    with TickParquetWriter(path, ticks.names, compression) as writer:
        writer.write(ticks)


def iter_ticks_parquet(
    path: str | Path,
    *,
    symbol: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    report: LoadReport | None = None,
) -> Iterator[TickColumns]:
    """Stream a Parquet file of ticks as chunks of at most ``chunk_rows`` rows."""
    path = Path(path)
    if chunk_rows <= 0:
        raise ConfigError(f"chunk size must be positive, got {chunk_rows}")
    report = report if report is not None else LoadReport()
    report.source = str(path)
    try:
        names = pq.read_schema(path).names
        # Reading text symbols as dictionaries interns each distinct name once per batch.
        file = pq.ParquetFile(path, read_dictionary=["symbol"] if "symbol" in names else None)
    except (pa.ArrowInvalid, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise DataError(f"{path.name} is not a readable Parquet file: {exc}") from exc
    table = SymbolTable(_names_from_metadata(file.schema_arrow.metadata))
    present = [n for n in TICK_DTYPES if n in file.schema_arrow.names]
    if "ts_event" not in present:
        raise DataError(f"{path.name} has no ts_event column")
    fixed: int | None = None
    if "symbol" not in present:
        name = symbol or infer_symbol(path)
        if name is None:
            raise ConfigError(f"{path.name} has no symbol column; pass symbol=")
        fixed = table.intern(name)
    first_row = 1
    for batch in file.iter_batches(batch_size=chunk_rows, columns=present):
        ticks = ticks_from_arrow(batch, table, fixed, first_row, report)
        first_row += batch.num_rows
        if len(ticks):
            report.rows += len(ticks)
            yield ticks


def read_ticks_parquet(
    path: str | Path, *, symbol: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> tuple[TickColumns, LoadReport]:
    """Read a whole Parquet file of ticks: the concatenated chunks of :func:`iter_ticks_parquet`."""
    report = LoadReport()
    chunks = list(iter_ticks_parquet(path, symbol=symbol, chunk_rows=chunk_rows, report=report))
    file = pq.ParquetFile(path)
    present = [n for n in TICK_DTYPES if n in file.schema_arrow.names]
    names = _names_from_metadata(file.schema_arrow.metadata)
    out = TickColumns.concat(chunks, present, names)
    if names and out.symbol_names != tuple(names) and len(names) >= len(out.symbol_names):
        out = out.with_symbol_names(names)
    return out, report


def ticks_from_arrow(
    batch: pa.RecordBatch | pa.Table,
    table: SymbolTable,
    fixed_symbol: int | None,
    first_row: int,
    report: LoadReport,
) -> TickColumns:
    """Convert an Arrow batch to tick columns, interning symbols into ``table``.

    Bad rows (null time or symbol, ``liq_side`` out of range) are dropped and reported with row
    numbers counted from ``first_row``.
    """
    n = batch.num_rows
    bad = np.zeros(n, dtype=np.bool_)
    cols: dict[str, NDArray[Any]] = {}
    for name in batch.schema.names:
        if name not in TICK_DTYPES:
            continue
        column = batch.column(name)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if name == "symbol":
            cols[name], null = _symbol_ids(column, table)
        else:
            cols[name], null = _numeric(column, name)
        if null is not None and name in ("ts_event", "ts_recv", "symbol"):
            bad |= null
    if "symbol" not in cols:
        if fixed_symbol is None:
            raise DataError("ticks have no symbol column")
        cols["symbol"] = np.full(n, fixed_symbol, dtype=np.uint32)
    if "ts_recv" not in cols:
        cols["ts_recv"] = cols["ts_event"].copy()
    if "liq_side" in cols:
        bad |= (cols["liq_side"] < -1) | (cols["liq_side"] > 1)
    if bool(bad.any()):
        for index in np.flatnonzero(bad):
            report.add_error(first_row + int(index), "null time or symbol, or liq_side not -1/0/1")
        keep = ~bad
        cols = {k: np.ascontiguousarray(v[keep]) for k, v in cols.items()}
    return TickColumns(cols, table.names())


def _names_from_metadata(metadata: dict[bytes, bytes] | None) -> list[str]:
    if not metadata or SYMBOL_NAMES_KEY.encode() not in metadata:
        return []
    try:
        names = json.loads(metadata[SYMBOL_NAMES_KEY.encode()])
    except ValueError as exc:
        raise DataError(f"bad {SYMBOL_NAMES_KEY} metadata: {exc}") from exc
    if not isinstance(names, list) or not all(isinstance(x, str) for x in names):
        raise DataError(f"{SYMBOL_NAMES_KEY} metadata must be a list of strings")
    return names


def _symbol_ids(
    column: pa.Array, table: SymbolTable
) -> tuple[NDArray[np.uint32], NDArray[np.bool_] | None]:
    null = column.is_null().to_numpy(zero_copy_only=False) if column.null_count else None
    if pa.types.is_dictionary(column.type) and pa.types.is_integer(column.type.value_type):
        column = column.dictionary_decode()
    if pa.types.is_integer(column.type):
        ids = column.fill_null(0).to_numpy().astype(np.int64)
        if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= len(table)):
            raise DataError("integer symbol ids need the quantum.symbol_names metadata")
        return ids.astype(np.uint32), null
    if not pa.types.is_dictionary(column.type):
        try:
            column = pc.dictionary_encode(column.cast(pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataError(f"symbol column of type {column.type} is not text") from exc
    remap = np.array([table.intern(str(s)) for s in column.dictionary.to_pylist()] or [0])
    indices = column.indices.fill_null(0).to_numpy().astype(np.int64)
    return remap.astype(np.uint32)[indices], null


def _numeric(column: pa.Array, name: str) -> tuple[NDArray[Any], NDArray[np.bool_] | None]:
    dtype = TICK_DTYPES[name]
    if pa.types.is_timestamp(column.type):
        column = column.cast(pa.timestamp("ns")).cast(pa.int64())
    target = pa.from_numpy_dtype(dtype)
    try:
        column = column.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataError(f"column {name} of type {column.type} cannot become {dtype}") from exc
    null = None
    if column.null_count:
        null = column.is_null().to_numpy(zero_copy_only=False)
        column = column.fill_null(fill_value(name) if name not in _TIME_COLUMNS else 0)
    return np.ascontiguousarray(column.to_numpy(zero_copy_only=False), dtype=dtype), null
