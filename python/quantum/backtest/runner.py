"""``quantum.backtest``: a whole data set through the same engine as live trading, in one native
call with the GIL released (no per-tick Python on this path unless a Python strategy is given)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from quantum.engine import Engine, EngineConfig
from quantum.strategy import Strategy
from quantum.ticks import to_batch

__all__ = ["BacktestResult", "backtest"]

TRADE_COLUMNS = (
    "symbol", "side", "entry_time", "exit_time", "entry_price", "exit_price", "size", "pnl",
    "gross_pnl", "fees", "funding", "pnl_pct", "exit_reason", "confidence", "strategy",
)  # fmt: skip


@dataclass(frozen=True)
class BacktestResult:
    """What a backtest produced.

    ``trades``: one row per closed trade (times as UTC timestamps, prices/sizes/P&L as floats;
    ``metrics`` carries the exact Decimal totals). ``equity``: sampled equity curve.
    ``metrics``: SPEC §9 names. ``rejections``: reason → count.
    """

    trades: pd.DataFrame
    equity: pd.DataFrame
    metrics: dict[str, Any]
    rejections: dict[str, int]
    ticks_processed: int
    elapsed_s: float
    stats: dict[str, int] = field(default_factory=dict)
    open_positions: list[dict[str, Any]] = field(default_factory=list)
    #: Order book counters (updates applied, gaps, checksum failures, resyncs...) when the data
    #: had depth; None otherwise.
    book: dict[str, int] | None = None

    @property
    def ticks_per_s(self) -> float:
        """Throughput of the engine run (excludes data loading)."""
        return self.ticks_processed / self.elapsed_s if self.elapsed_s > 0 else float("inf")


def _trades_frame(cols: dict[str, Any], names: Sequence[str]) -> pd.DataFrame:
    df = pd.DataFrame({k: cols[k] for k in TRADE_COLUMNS if k != "symbol"})
    df.insert(0, "symbol", [names[i] for i in cols["symbol"]])
    for col in ("entry_time", "exit_time"):
        df[col] = pd.to_datetime(df[col], unit="ns", utc=True)
    return df


def _depth_dict(depth: Any) -> dict[str, Any]:
    """The CSR columns of a ``quantum.data.DepthColumns`` as the core takes them."""
    cols = {
        name: getattr(depth, name)
        for name in (
            "ts_event", "ts_recv", "symbol", "first_id", "last_id", "prev_id", "level_offsets",
            "side", "price", "qty",
        )
    }  # fmt: skip
    cols["is_snapshot"] = np.ascontiguousarray(depth.is_snapshot, dtype=np.uint8)
    return cols


def backtest(
    ticks: Any,
    config: EngineConfig | None = None,
    *,
    symbol_names: Sequence[str] | None = None,
    strategies: Sequence[Strategy] = (),
) -> BacktestResult:
    """Runs ``ticks`` through the engine: a dict of arrays, a DataFrame, a ``TickBatch``, a
    ``quantum.data.TickColumns``, or a ``quantum.data.FeedChunk`` (ticks plus L2 depth, e.g. from
    ``load_binance_l2``), whose depth drives the core's order books in arrival order.

    Raises ``ColumnError`` naming the column for wrong dtypes or lengths, ``ConfigError`` for an
    invalid config; a Python strategy's own exception propagates unchanged.
    """
    feed = ticks if hasattr(ticks, "depth") and hasattr(ticks, "tick_seq") else None
    if feed is not None:
        # Depth and ticks share one symbol table in a FeedChunk.
        symbol_names = symbol_names or feed.ticks.symbol_names or feed.depth.symbol_names
        ticks = feed.ticks
    batch = to_batch(ticks, symbol_names)
    engine = Engine(config, symbols=batch.symbol_names, strategies=strategies)
    native = engine.native
    start = time.perf_counter()
    if feed is not None:
        native.run_with_depth(batch.columns, _depth_dict(feed.depth), feed.tick_seq, feed.depth_seq)
    else:
        native.run(batch.columns)
    return finish_result(engine, time.perf_counter() - start)


def finish_result(engine: Engine, elapsed_s: float) -> BacktestResult:
    """Closes the run's equity curve and collects everything the engine produced."""
    native = engine.native
    native.finish()
    ts, eq = native.equity_curve()
    equity = pd.DataFrame({"time": pd.to_datetime(ts, unit="ns", utc=True), "equity": eq})
    stats = native.stats()
    return BacktestResult(
        trades=_trades_frame(native.trade_columns(), engine.symbols),
        equity=equity,
        metrics=native.metrics(),
        rejections=native.rejections(),
        ticks_processed=stats["ticks_processed"],
        elapsed_s=elapsed_s,
        stats=stats,
        open_positions=engine.positions(),
        book=native.book_stats(),
    )
