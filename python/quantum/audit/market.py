"""The market a backtest saw, rebuilt from the ticks alone: each tick's reference price, its
quote (its own, or the top of an independently kept L2 book when the data has depth), its bar
fields, which ticks the engine accepted (from the result's list of rejected ticks), and the
event stream the venue saw (ticks and depth messages merged, :mod:`quantum.audit.events`).

Nothing here calls the engine: the auditor's view of the market must not share its bugs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from quantum.audit.events import Events, events_of
from quantum.engine.config import LatencyConfig
from quantum.ticks import to_batch

__all__ = ["Market", "market_of"]

F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Market:
    """Tick arrays indexed by arrival (row ``i`` is the tick with arrival number ``i + 1``)."""

    symbol_names: tuple[str, ...]
    ts_event: NDArray[np.int64]
    ts_recv: NDArray[np.int64]
    symbol: NDArray[np.int64]
    price: F64
    bid: F64
    ask: F64
    open: F64
    high: F64
    low: F64
    close: F64
    funding_rate: F64
    accepted: NDArray[np.bool_]
    #: The price marks and signals use: last price, else close, else the quote's mid.
    reference: F64
    #: Ticks and depth messages in arrival order.
    events: Events
    #: Whether the ticks carry trade volume (a print with volume > 0 can fill resting orders).
    volume: F64
    #: A print's volume by its aggressor's side (NaN when the data does not say).
    buy_volume: F64
    sell_volume: F64

    def __len__(self) -> int:
        return len(self.ts_event)

    def is_bar(self, i: int) -> bool:
        return bool(np.isfinite(self.high[i]) and np.isfinite(self.low[i]))

    def quoted(self, i: int) -> bool:
        return bool(np.isfinite(self.bid[i]) and np.isfinite(self.ask[i]))

    def symbol_rows(self, symbol: int) -> NDArray[np.int64]:
        """Accepted rows of ``symbol``, in arrival order."""
        return np.flatnonzero((self.symbol == symbol) & self.accepted)


def _col(cols: dict[str, Any], name: str, n: int) -> F64:
    c = cols.get(name)
    return np.full(n, np.nan) if c is None else np.asarray(c, dtype=np.float64)


def market_of(
    ticks: Any, rejected_seq: NDArray[np.int64], book_rule: str, fills_at: set[tuple[int, int]],
    feed_latency: LatencyConfig | None = None,
) -> Market:  # fmt: skip
    """The market of ``ticks`` (any input ``quantum.backtest`` takes, a ``FeedChunk`` included:
    its depth then drives the auditor's own book), with the rejected arrivals marked; the
    books' levels are kept at the events of ``fills_at`` (``(seq, depth_seq)`` of each fill)."""
    feed = ticks if hasattr(ticks, "depth") and hasattr(ticks, "tick_seq") else None
    names: tuple[str, ...] | None = None
    if feed is not None:
        names = feed.ticks.symbol_names or feed.depth.symbol_names
        ticks = feed.ticks
    batch = to_batch(ticks, names)
    cols = batch.columns
    n = len(batch)
    ts_event = np.asarray(cols["ts_event"], dtype=np.int64)
    ts_recv = np.asarray(cols.get("ts_recv", ts_event), dtype=np.int64)
    symbol = np.asarray(cols.get("symbol", np.zeros(n)), dtype=np.int64)
    accepted = np.ones(n, dtype=bool)
    accepted[np.asarray(rejected_seq, dtype=np.int64) - 1] = False
    events = events_of(cols, n, accepted, feed, book_rule, fills_at, feed_latency)
    # A tick's quote: its own, else (a trade of an L2 capture) the top of the book before it.
    own = events.tick >= 0
    bid: F64 = np.full(n, np.nan)
    ask: F64 = np.full(n, np.nan)
    bid[events.tick[own]] = events.bid[own]
    ask[events.tick[own]] = events.ask[own]
    tb, ta = _col(cols, "bid", n), _col(cols, "ask", n)
    quoted = np.isfinite(tb) & np.isfinite(ta)
    bid, ask = np.where(quoted, tb, bid), np.where(quoted, ta, ask)
    price, close = _col(cols, "price", n), _col(cols, "close", n)
    mid = 0.5 * (bid + ask)
    reference = np.where(np.isfinite(price), price, np.where(np.isfinite(close), close, mid))
    return Market(
        symbol_names=tuple(batch.symbol_names),
        ts_event=ts_event,
        ts_recv=ts_recv,
        symbol=symbol,
        price=price,
        bid=bid,
        ask=ask,
        open=_col(cols, "open", n),
        high=_col(cols, "high", n),
        low=_col(cols, "low", n),
        close=close,
        funding_rate=_col(cols, "funding_rate", n),
        accepted=accepted,
        reference=reference,
        events=events,
        volume=_col(cols, "volume", n),
        buy_volume=_col(cols, "buy_volume", n),
        sell_volume=_col(cols, "sell_volume", n),
    )
