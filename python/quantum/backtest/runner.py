"""``quantum.backtest``: a whole data set through the same engine as live trading, in one native
call with the GIL released (no per-tick Python on this path unless a Python strategy is given)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from quantum.engine import Engine, EngineConfig
from quantum.strategy import OrderStrategy, Strategy
from quantum.ticks import to_batch

__all__ = ["BacktestResult", "backtest"]

TRADE_COLUMNS = (
    "symbol", "side", "entry_time", "exit_time", "entry_price", "exit_price", "size", "pnl",
    "gross_pnl", "fees", "funding", "pnl_pct", "exit_reason", "confidence", "strategy",
    "signal_id",
)  # fmt: skip
FILL_COLUMNS = (
    "seq", "decided_seq", "decided_at", "ts_recv", "ts_event", "symbol", "side", "qty", "price",
    "fee", "fee_bps", "maker", "kind", "exit_reason", "shadow", "signal_id", "order_id",
    "depth_seq",
)  # fmt: skip
ORDER_COLUMNS = (
    "order_id", "client_id", "symbol", "side", "kind", "tif", "price", "trigger", "qty",
    "filled", "status", "reject_reason", "reduce_only", "strategy", "ts_init", "ts_accepted",
    "ts_last", "parent",
)  # fmt: skip
FUNDING_COLUMNS = (
    "funding_time", "ts_event", "seq", "symbol", "rate", "mark", "qty", "amount", "shadow",
)  # fmt: skip


@dataclass(frozen=True)
class BacktestResult:
    """What a backtest produced.

    ``trades``: one row per closed trade (times as UTC timestamps, prices/sizes/P&L as floats;
    ``metrics`` carries the exact Decimal totals). ``shadow_trades``: the same for shadow trades
    (signals Kelly sized to zero, followed with no capital; never in equity or ``metrics``'
    real figures). ``equity``: sampled equity curve. ``metrics``: SPEC §9 names, plus the shadow
    summary (``shadow_trades``, ``shadow_win_rate``, ``shadow_pnl``). ``rejections``: reason →
    count (``tick:``, ``signal:``, ``risk:``).

    The journal, for reports and :func:`quantum.audit`: ``fills`` (every fill, shadow ones
    flagged; exact prices, sizes and fees as decimal strings; ``seq`` is the arrival number of
    the fill tick, 1-based over the ticks given, and ``depth_seq`` that of the depth message a
    fill executed on, −1 during a tick; ``order_id`` the order it executed), ``orders`` (every
    real order: kind, time in force, price or trigger, quantity, filled quantity, final status,
    rejection reason, and its times: submitted locally, accepted and last event at the venue),
    ``funding`` (every funding payment),
    ``rejected_ticks`` (arrival number and reason), ``strategies`` (each strategy's trades,
    shadow trades and Kelly estimate), and ``config``, the engine config of the run.
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
    shadow_trades: pd.DataFrame = field(default_factory=pd.DataFrame)
    fills: pd.DataFrame = field(default_factory=pd.DataFrame)
    orders: pd.DataFrame = field(default_factory=pd.DataFrame)
    funding: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected_ticks: pd.DataFrame = field(default_factory=pd.DataFrame)
    strategies: list[dict[str, Any]] = field(default_factory=list)
    symbols: tuple[str, ...] = ()
    config: EngineConfig | None = None

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


def _named(cols: dict[str, Any], names: Sequence[str], order: Sequence[str]) -> pd.DataFrame:
    df = pd.DataFrame({k: cols[k] for k in order})
    df["symbol"] = [names[i] for i in cols["symbol"]]
    return df


def _shadow_summary(shadow: pd.DataFrame) -> dict[str, Any]:
    n = len(shadow)
    wins = int((shadow["pnl"] > 0).sum()) if n else 0
    pnl = sum((Decimal(x) for x in shadow["pnl_exact"]), Decimal(0)) if n else Decimal(0)
    return {
        "shadow_trades": n,
        "shadow_wins": wins,
        "shadow_win_rate": wins / n if n else float("nan"),
        "shadow_pnl": pnl.quantize(Decimal("0.00000001")),
    }


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
    strategies: Sequence[Strategy | OrderStrategy] = (),
) -> BacktestResult:
    """Runs ``ticks`` through the engine: a dict of arrays, a DataFrame, a ``TickBatch``, a
    ``quantum.data.TickColumns``, or a ``quantum.data.FeedChunk`` (ticks plus L2 depth, e.g. from
    ``load_binance_l2``), whose depth drives the core's order books in arrival order.

    ``strategies`` run beside the built-in ones: target strategies (:class:`quantum.Strategy`)
    and strategies that trade with orders (:class:`quantum.OrderStrategy`).

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
    journal = native.journal()
    names = engine.symbols
    shadow = _trades_frame(journal["shadow_trades"], names)
    shadow["pnl_exact"] = journal["shadow_trades"]["pnl_exact"]
    metrics = native.metrics() | _shadow_summary(shadow)
    shadow = shadow.drop(columns="pnl_exact")
    rejected = journal["rejected_ticks"]
    return BacktestResult(
        trades=_trades_frame(journal["trades"], names),
        equity=equity,
        metrics=metrics,
        rejections=native.rejections(),
        ticks_processed=stats["ticks_processed"],
        elapsed_s=elapsed_s,
        stats=stats,
        open_positions=engine.positions(),
        book=native.book_stats(),
        shadow_trades=shadow,
        fills=_named(journal["fills"], names, FILL_COLUMNS),
        orders=_named(journal["orders"], names, ORDER_COLUMNS),
        funding=_named(journal["funding"], names, FUNDING_COLUMNS),
        rejected_ticks=pd.DataFrame({"seq": rejected["seq"], "reason": rejected["reason"]}),
        strategies=list(journal["strategies"]),
        symbols=tuple(names),
        config=engine.config,
    )
