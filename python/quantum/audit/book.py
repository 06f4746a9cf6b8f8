"""An L2 book kept by the auditor itself, for the quotes a backtest on depth data filled at.

A trade tick of an L2 capture carries no quote: the engine takes one from its own book. The
auditor keeps its own — dicts of levels per side, a snapshot replacing them, an update setting
each level (size 0 deletes) — and applies the venues' published staleness rules (Binance: an
update older than the snapshot is skipped), in the feed's arrival order. Gaps are not its
business: the engine rejects the ticks of a book that lost sync, and those never fill.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["top_of_book"]


class _Book:
    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.synced = False
        self.last_id = 0
        self.fresh = True
        self.buffer: list[tuple[int, int, list[tuple[int, float, float]]]] = []
        #: The best prices, recomputed only when a level at the top went away.
        self.best: tuple[float, float] | None = None

    def snapshot(self, last_id: int, levels: list[tuple[int, float, float]], rule: str) -> None:
        self.bids = {p: q for s, p, q in levels if s == 1 and q > 0}
        self.asks = {p: q for s, p, q in levels if s == -1 and q > 0}
        self.synced, self.last_id, self.fresh, self.best = True, last_id, True, None
        pending, self.buffer = self.buffer, []
        for first, last, lv in pending:
            self.update(first, last, lv, rule)

    def update(
        self, first: int, last: int, levels: list[tuple[int, float, float]], rule: str
    ) -> None:
        if not self.synced:
            self.buffer.append((first, last, levels))
            return
        if rule == "binance_futures" and self.fresh and last < self.last_id:
            return
        if rule == "binance_spot" and last <= self.last_id:
            return
        for side, p, q in levels:
            book = self.bids if side == 1 else self.asks
            if q > 0:
                book[p] = q
            else:
                book.pop(p, None)
        self.last_id, self.fresh, self.best = last, False, None

    def top(self) -> tuple[float, float]:
        if self.best is None:
            b = max(self.bids) if self.bids else np.nan
            a = min(self.asks) if self.asks else np.nan
            self.best = (b, a)
        return self.best


def top_of_book(feed: Any, rule: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The best bid and ask of each tick's symbol just before the tick, merging ticks and depth
    by their arrival numbers (depth first on equal receive times without them)."""
    depth = feed.depth
    n = len(feed.ticks)
    tsym = np.asarray(feed.ticks.columns.get("symbol", np.zeros(n)), dtype=np.int64)
    order = np.concatenate([feed.tick_seq, feed.depth_seq])
    kinds = np.concatenate([np.zeros(n, dtype=np.int8), np.ones(len(depth), dtype=np.int8)])
    rows = np.concatenate([np.arange(n), np.arange(len(depth))])
    idx = np.lexsort((1 - kinds, order))
    books: dict[int, _Book] = {}
    bid, ask = np.full(n, np.nan), np.full(n, np.nan)
    cols = feed.ticks.columns
    # Only a tick without its own quote takes one from the book.
    own = np.isfinite(cols.get("bid", np.full(n, np.nan))) & np.isfinite(
        cols.get("ask", np.full(n, np.nan))
    )
    need = ~own
    off = depth.level_offsets
    for k in idx:
        r = int(rows[k])
        if kinds[k] == 1:
            sym = int(depth.symbol[r])
            book = books.setdefault(sym, _Book())
            lo, hi = int(off[r]), int(off[r + 1])
            levels = list(
                zip(
                    depth.side[lo:hi].tolist(),
                    depth.price[lo:hi].tolist(),
                    depth.qty[lo:hi].tolist(),
                    strict=True,
                )
            )
            if bool(depth.is_snapshot[r]):
                book.snapshot(int(depth.last_id[r]), levels, rule)
            else:
                book.update(int(depth.first_id[r]), int(depth.last_id[r]), levels, rule)
        elif need[r]:
            found = books.get(int(tsym[r]))
            if found is not None and found.synced:
                bid[r], ask[r] = found.top()
    return bid, ask
