"""Where a backtest's ticks come from: an exchange file, a tick Parquet file or the synthetic market.

``open_source`` tells the file kind from its name and returns a stream of tick chunks, so callers
(the CLI's progress bar) can show loading as it happens; ``load_ticks`` concatenates the stream.
Malformed lines are skipped and counted in the :class:`~quantum.data.LoadReport`, never fatal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from quantum import data as qdata
from quantum.errors import ConfigError, DataError

__all__ = ["DataSource", "detect_kind", "load_ticks", "open_source"]

KINDS = ("klines", "trades", "parquet")


@dataclass
class DataSource:
    """A stream of tick chunks plus what it is (``description``) and its load report."""

    description: str
    chunks: Iterator[qdata.TickColumns]
    report: qdata.LoadReport
    total_rows: int | None = None
    """Rows the stream will yield when known in advance (synthetic data), else None."""


def detect_kind(path: Path) -> str:
    """``klines``, ``trades`` or ``parquet`` from the file name; DataError when it cannot tell."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if "kline" in str(path).lower():
        return "klines"
    if "trade" in name:
        return "trades"
    if re.search(r"_\d+[smhdw]_", name):  # an interval in the name: ``…_BTCUSDT_1m_…``
        return "klines"
    raise DataError(
        f"cannot tell the kind of {path.name}: expected a Binance kline or trade CSV "
        "(the name says 'kline'/'1m'/'1h'… or 'trade') or a .parquet tick file"
    )


def open_source(
    path: Path | None,
    *,
    synthetic: int | None = None,
    seed: int = 7,
    symbols: tuple[str, ...] = ("BTCUSDT",),
    chunk_rows: int = 262_144,
) -> DataSource:
    """A chunk stream over ``path`` or, when ``path`` is None, ``synthetic`` synthetic ticks."""
    report = qdata.LoadReport()
    if path is None:
        n = synthetic if synthetic is not None else 1_000_000
        if n <= 0:
            raise ConfigError(f"--synthetic must be positive, got {n}")
        report.source = f"synthetic(n={n}, seed={seed})"

        def synth() -> Iterator[qdata.TickColumns]:
            # One vectorised call: the generator's paths are not resumable chunk by chunk.
            ticks = qdata.generate(n, seed=seed, symbols=symbols)
            report.rows = len(ticks)
            yield ticks

        desc = f"synthetic market ({n:,} ticks, seed {seed}, {', '.join(symbols)})"
        return DataSource(desc, synth(), report, total_rows=n)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    kind = detect_kind(path)
    stream: Iterator[qdata.TickColumns]
    if kind == "klines":
        stream = qdata.iter_binance_klines(path, chunk_rows=chunk_rows, report=report)
    elif kind == "trades":
        stream = qdata.iter_binance_trades(path, chunk_rows=chunk_rows, report=report)
    else:
        stream = qdata.iter_ticks_parquet(path, chunk_rows=chunk_rows, report=report)
    return DataSource(f"{path} ({kind})", stream, report)


def load_ticks(
    source: DataSource, on_chunk: Callable[[int], None] | None = None
) -> qdata.TickColumns:
    """Drains ``source`` into one batch; ``on_chunk(rows)`` is called after each chunk."""
    parts: list[qdata.TickColumns] = []
    for chunk in source.chunks:
        parts.append(chunk)
        if on_chunk is not None:
            on_chunk(len(chunk))
    if len(parts) == 1:
        return parts[0]
    if not parts:
        raise DataError(f"{source.description}: no ticks ({source.report.summary()})")
    return qdata.TickColumns.concat(parts)
