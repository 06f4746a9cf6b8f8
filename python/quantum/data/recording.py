"""Record a raw feed as the runtime saw it, and read it back for replay.

A recording is a directory:

- ``ticks.parquet``  — every tick column (canonical dtypes, ``symbol`` as its uint32 id) plus
  ``seq``, the arrival number;
- ``depth.parquet``  — one row per depth message: the message columns, ``n_levels`` and ``seq``;
- ``levels.parquet`` — the messages' levels, in message order (``side``, ``price``, ``qty``);
- ``meta.json``      — format name and version, the symbol name table, the tick columns the feed
  actually provided, and the row counts.

Both timestamps are stored as received, so replaying through the backtester sees the same clocks
and, through ``seq``, the same interleaving of ticks and depth as the live session. Values are
stored bit for bit (Parquet keeps NaN), so a round trip is exact. The recording is complete once
:meth:`Recorder.close` has run; until then buffered rows live in memory (at most ``flush_rows``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from quantum.data._source import DEFAULT_CHUNK_ROWS
from quantum.data.columns import TICK_DTYPES, SymbolTable, TickColumns
from quantum.data.depth import DEPTH_LEVEL_DTYPES, DEPTH_MESSAGE_DTYPES, DepthColumns
from quantum.data.feed import FeedChunk
from quantum.errors import ConfigError, DataError

__all__ = ["RECORDING_FORMAT", "Recorder", "iter_recording", "read_recording"]

RECORDING_FORMAT: Final[str] = "quantum-recording"
_VERSION: Final[int] = 1
_TICKS: Final[str] = "ticks.parquet"
_DEPTH: Final[str] = "depth.parquet"
_LEVELS: Final[str] = "levels.parquet"
_META: Final[str] = "meta.json"


def _schema(dtypes: dict[str, np.dtype[Any]], extra: tuple[str, ...]) -> pa.Schema:
    fields = [pa.field(n, pa.from_numpy_dtype(d), nullable=False) for n, d in dtypes.items()]
    fields += [pa.field(n, pa.int64(), nullable=False) for n in extra]
    return pa.schema(fields)


_TICK_SCHEMA: Final[pa.Schema] = _schema(dict(TICK_DTYPES), ("seq",))
_DEPTH_SCHEMA: Final[pa.Schema] = _schema(DEPTH_MESSAGE_DTYPES, ("n_levels", "seq"))
_LEVEL_SCHEMA: Final[pa.Schema] = _schema(DEPTH_LEVEL_DTYPES, ())


class Recorder:
    """Append ticks and depth messages to a recording directory.

    ``append`` takes a :class:`FeedChunk` (its arrival numbers are kept; they must keep
    increasing) or bare :class:`TickColumns` / :class:`DepthColumns` (numbered in call order).
    Symbol names may differ between calls; ids are re-expressed against the recording's table.
    """

    def __init__(self, path: str | Path, *, flush_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        self.path = Path(path)
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise ConfigError(f"recording path {self.path} exists and is not an empty directory")
        if flush_rows <= 0:
            raise ConfigError(f"flush_rows must be positive, got {flush_rows}")
        self.path.mkdir(parents=True, exist_ok=True)
        self._flush_rows = flush_rows
        self._symbols = SymbolTable()
        self._provided: set[str] = set()
        self._next_seq = 0
        self._ticks: list[tuple[TickColumns, NDArray[np.int64]]] = []
        self._depth: list[tuple[DepthColumns, NDArray[np.int64]]] = []
        self._pending = 0
        self._tick_writer = pq.ParquetWriter(self.path / _TICKS, _TICK_SCHEMA, compression="zstd")
        self._depth_writer = pq.ParquetWriter(self.path / _DEPTH, _DEPTH_SCHEMA, compression="zstd")
        self._level_writer = pq.ParquetWriter(
            self.path / _LEVELS, _LEVEL_SCHEMA, compression="zstd"
        )
        self.tick_rows = 0
        self.depth_rows = 0
        self._closed = False

    def append(self, data: FeedChunk | TickColumns | DepthColumns) -> None:
        """Record one piece of the feed."""
        if self._closed:
            raise ConfigError("the recorder is closed")
        if isinstance(data, FeedChunk):
            ticks, depth = data.ticks, data.depth
            tick_seq, depth_seq = data.tick_seq, data.depth_seq
            seqs = np.concatenate([tick_seq, depth_seq])
            if len(seqs):
                if int(seqs.min()) < self._next_seq:
                    raise DataError("arrival numbers must increase from one append to the next")
                self._next_seq = int(seqs.max()) + 1
        elif isinstance(data, TickColumns):
            ticks, depth = data, DepthColumns.empty(data.symbol_names)
            tick_seq, depth_seq = self._number(len(data)), np.empty(0, np.int64)
        else:
            ticks, depth = TickColumns.empty((), data.symbol_names), data
            tick_seq, depth_seq = np.empty(0, np.int64), self._number(len(data))
        for name in (*ticks.symbol_names, *depth.symbol_names):
            self._symbols.intern(name)
        names = self._symbols.names()
        if len(ticks):
            self._provided.update(ticks.names)
            self._ticks.append((ticks.with_symbol_names(names), tick_seq))
        if len(depth):
            self._depth.append((depth.with_symbol_names(names), depth_seq))
        self._pending += len(ticks) + len(depth)
        if self._pending >= self._flush_rows:
            self.flush()

    def _number(self, count: int) -> NDArray[np.int64]:
        seq = np.arange(self._next_seq, self._next_seq + count, dtype=np.int64)
        self._next_seq += count
        return seq

    def flush(self) -> None:
        """Write buffered rows to the files (one row group per file)."""
        names = self._symbols.names()
        if self._ticks:
            ticks = TickColumns.concat([t for t, _ in self._ticks], (), names)
            ticks = ticks.with_symbol_names(names).with_columns(TICK_DTYPES)
            arrays = [ticks[n] for n in TICK_DTYPES]
            arrays.append(np.concatenate([s for _, s in self._ticks]))
            self._tick_writer.write_table(pa.Table.from_arrays(arrays, schema=_TICK_SCHEMA))
            self.tick_rows += len(ticks)
        if self._depth:
            depth = DepthColumns.concat([d for d, _ in self._depth]).with_symbol_names(names)
            arrays = [getattr(depth, n) for n in DEPTH_MESSAGE_DTYPES]
            arrays.append(np.diff(depth.level_offsets))
            arrays.append(np.concatenate([s for _, s in self._depth]))
            self._depth_writer.write_table(pa.Table.from_arrays(arrays, schema=_DEPTH_SCHEMA))
            levels = [getattr(depth, n) for n in DEPTH_LEVEL_DTYPES]
            self._level_writer.write_table(pa.Table.from_arrays(levels, schema=_LEVEL_SCHEMA))
            self.depth_rows += len(depth)
        self._ticks.clear()
        self._depth.clear()
        self._pending = 0

    def close(self) -> None:
        """Flush, finish the files and write ``meta.json``; the recording is then complete."""
        if self._closed:
            return
        self.flush()
        for writer in (self._tick_writer, self._depth_writer, self._level_writer):
            writer.close()
        meta = {
            "format": RECORDING_FORMAT,
            "version": _VERSION,
            "symbol_names": list(self._symbols.names()),
            "tick_columns": [n for n in TICK_DTYPES if n in self._provided],
            "ticks": self.tick_rows,
            "depth_messages": self.depth_rows,
        }
        (self.path / _META).write_text(json.dumps(meta, indent=2) + "\n")
        self._closed = True

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _read_meta(path: Path) -> dict[str, Any]:
    meta_path = path / _META
    if not meta_path.is_file():
        raise DataError(f"{path} is not a complete recording (no {_META})")
    try:
        meta = json.loads(meta_path.read_text())
    except ValueError as exc:
        raise DataError(f"{meta_path} is not valid JSON: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != RECORDING_FORMAT:
        raise DataError(f"{meta_path} does not describe a {RECORDING_FORMAT}")
    if meta.get("version") != _VERSION:
        raise DataError(f"recording version {meta.get('version')} is not supported")
    return meta


def _depth_batches(
    path: Path, chunk_rows: int, names: tuple[str, ...]
) -> Iterator[tuple[DepthColumns, NDArray[np.int64]]]:
    levels = pq.ParquetFile(path / _LEVELS).iter_batches(batch_size=chunk_rows * 16)
    buffered: list[pa.RecordBatch] = []
    buffered_rows = 0
    for batch in pq.ParquetFile(path / _DEPTH).iter_batches(batch_size=chunk_rows):
        counts = batch.column("n_levels").to_numpy()
        need = int(counts.sum())
        while buffered_rows < need:
            more = next(levels, None)
            if more is None:
                raise DataError(f"{path / _LEVELS} has fewer levels than the messages need")
            buffered.append(more)
            buffered_rows += more.num_rows
        joined = pa.Table.from_batches(buffered, schema=_LEVEL_SCHEMA).combine_chunks()
        mine, rest = joined.slice(0, need), joined.slice(need)
        buffered, buffered_rows = rest.to_batches(), rest.num_rows
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        depth = DepthColumns(
            **{n: _np(batch.column(n), d) for n, d in DEPTH_MESSAGE_DTYPES.items()},
            **{n: _np(mine.column(n), d) for n, d in DEPTH_LEVEL_DTYPES.items()},
            level_offsets=offsets,
            symbol_names=names,
        )
        yield depth, _np(batch.column("seq"), np.dtype(np.int64))


def _np(column: pa.Array | pa.ChunkedArray, dtype: np.dtype[Any]) -> NDArray[Any]:
    return np.ascontiguousarray(column.to_numpy(zero_copy_only=False), dtype=dtype)


def iter_recording(
    path: str | Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> Iterator[FeedChunk]:
    """Stream a recording as :class:`FeedChunk` s in arrival order, in bounded memory.

    Each chunk holds at most ``chunk_rows`` ticks plus the depth messages that arrived up to the
    last of them, so concatenating the chunks gives :func:`read_recording`'s result.
    """
    path = Path(path)
    if chunk_rows <= 0:
        raise ConfigError(f"chunk size must be positive, got {chunk_rows}")
    meta = _read_meta(path)
    names = tuple(meta["symbol_names"])
    provided = tuple(meta["tick_columns"])
    depth_iter = _depth_batches(path, chunk_rows, names)
    held: tuple[DepthColumns, NDArray[np.int64]] | None = None

    def depth_until(bound: int | None) -> tuple[DepthColumns, NDArray[np.int64]]:
        nonlocal held
        parts: list[DepthColumns] = []
        seqs: list[NDArray[np.int64]] = []
        while True:
            if held is None:
                held = next(depth_iter, None)
                if held is None:
                    break
            depth, seq = held
            cut = len(seq) if bound is None else int(np.searchsorted(seq, bound, side="right"))
            parts.append(depth.slice(0, cut))
            seqs.append(seq[:cut])
            if cut < len(seq):
                held = (depth.slice(cut, len(depth)), seq[cut:])
                break
            held = None
        return DepthColumns.concat(parts, names), np.concatenate([np.empty(0, np.int64), *seqs])

    tick_names = ("symbol", "ts_event", "ts_recv", *provided)
    columns = [n for n in TICK_DTYPES if n in tick_names]
    for batch in pq.ParquetFile(path / _TICKS).iter_batches(
        batch_size=chunk_rows, columns=[*columns, "seq"]
    ):
        ticks = TickColumns({n: _np(batch.column(n), TICK_DTYPES[n]) for n in columns}, names)
        tick_seq = _np(batch.column("seq"), np.dtype(np.int64))
        depth, depth_seq = depth_until(int(tick_seq[-1]))
        yield FeedChunk(ticks, depth, tick_seq, depth_seq)
    depth, depth_seq = depth_until(None)
    if len(depth):
        yield FeedChunk(TickColumns.empty(provided, names), depth, np.empty(0, np.int64), depth_seq)


def read_recording(path: str | Path) -> FeedChunk:
    """Read a whole recording: ticks (only the columns the feed provided), depth, arrival order."""
    meta = _read_meta(Path(path))
    names = tuple(meta["symbol_names"])
    chunks = list(iter_recording(path))
    if not chunks:
        empty = FeedChunk.empty(names)
        return FeedChunk(
            TickColumns.empty(meta["tick_columns"], names),
            empty.depth,
            empty.tick_seq,
            empty.depth_seq,
        )
    return FeedChunk.concat(chunks, meta["tick_columns"])
