"""Where a backtest's ticks come from: an exchange file, a tick Parquet file, a websocket capture,
a recording, or the synthetic market.

``open_source`` tells the file kind from its name and returns a stream of tick chunks, so callers
(the CLI's progress bar) can show loading as it happens; ``load_ticks`` concatenates the stream.
Malformed lines are skipped and counted in the :class:`~quantum.data.LoadReport`, never fatal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from quantum import data as qdata
from quantum.errors import ConfigError, DataError

__all__ = ["DataSource", "detect_kind", "load_ticks", "open_source"]

KINDS = ("klines", "trades", "parquet", "l2", "recording")


@dataclass
class DataSource:
    """A stream of tick chunks plus what it is (``description``) and its load report."""

    description: str
    chunks: Iterator[qdata.TickColumns]
    report: qdata.LoadReport
    total_rows: int | None = None
    """Rows the stream will yield when known in advance (synthetic data), else None."""
    feed_parts: list[qdata.FeedChunk] = field(default_factory=list)
    """The whole feed (ticks and L2 depth with arrival numbers) of a capture or a recording,
    filled as ``chunks`` is consumed, for a depth-driven backtest."""

    def depth(self) -> qdata.DepthColumns | None:
        """All depth messages read so far, or None when the source had none."""
        parts = [p.depth for p in self.feed_parts if len(p.depth)]
        return qdata.DepthColumns.concat(parts) if parts else None

    def feed(self) -> qdata.FeedChunk | None:
        """Ticks and depth in arrival order, when the source had depth; else None. The receive
        clock is aligned so no message is received before it happened (the shift goes in the
        report)."""
        if self.depth() is None:
            return None
        feed, self.report.receive_clock_shift_ns = qdata.FeedChunk.concat(
            self.feed_parts
        ).with_receive_clock_aligned()
        return feed


def detect_kind(path: Path) -> str:
    """One of :data:`KINDS` from the path: a directory with ``meta.json`` is a recording, a
    ``.jsonl`` file a Binance websocket capture (``l2``); DataError when it cannot tell."""
    name = path.name.lower()
    if path.is_dir():
        if (path / "meta.json").is_file():
            return "recording"
        raise DataError(f"{path} is a directory but not a recording (no meta.json)")
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".jsonl.gz")):
        return "l2"
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
    if not path.exists():
        raise DataError(f"data file not found: {path}")
    kind = detect_kind(path)
    stream: Iterator[qdata.TickColumns]
    source = DataSource(f"{path} ({kind})", iter(()), report)
    if kind == "klines":
        stream = qdata.iter_binance_klines(path, chunk_rows=chunk_rows, report=report)
    elif kind == "trades":
        stream = qdata.iter_binance_trades(path, chunk_rows=chunk_rows, report=report)
    elif kind == "parquet":
        stream = qdata.iter_ticks_parquet(path, chunk_rows=chunk_rows, report=report)
    elif kind == "l2":
        feed = qdata.iter_binance_l2(path, chunk_rows=chunk_rows, report=report)
        stream = _ticks_of(feed, source.feed_parts)
    else:
        stream = _ticks_of(qdata.iter_recording(path, chunk_rows=chunk_rows), source.feed_parts)
        report.source = str(path)
    source.chunks = stream
    return source


def _ticks_of(
    feed: Iterator[qdata.FeedChunk], feed_parts: list[qdata.FeedChunk]
) -> Iterator[qdata.TickColumns]:
    """The tick half of a feed, streamed; every chunk is kept in ``feed_parts`` for its depth."""
    for chunk in feed:
        feed_parts.append(chunk)
        yield chunk.ticks


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
