"""An L2 book kept by the auditor itself: the book the venue matches against, rebuilt from the
depth messages alone.

Dicts of levels per side, a snapshot replacing them, an update setting each level (size 0
deletes), the venues' published staleness rules (Binance: an update older than the snapshot is
skipped), in the feed's arrival order. Gaps are not its business: the engine rejects the ticks
of a book that lost sync, and those never fill.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Book", "Levels"]

#: One side's levels, best first: (price, size).
Levels = list[tuple[float, float]]


class Book:
    """One symbol's book."""

    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.synced = False
        self.last_id = 0
        self.fresh = True
        self.buffer: list[tuple[int, int, list[tuple[int, float, float]]]] = []
        #: The best prices, recomputed only after a change.
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
        """Best bid and ask (NaN for an empty side)."""
        if self.best is None:
            b = max(self.bids) if self.bids else np.nan
            a = min(self.asks) if self.asks else np.nan
            self.best = (b, a)
        return self.best

    def side(self, bids: bool, depth: int = 400) -> Levels:
        """The ``depth`` best levels of one side."""
        book = self.bids if bids else self.asks
        prices = sorted(book, reverse=bids)[:depth]
        return [(p, book[p]) for p in prices]
