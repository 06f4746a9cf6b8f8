"""The market as the venue saw it: ticks and depth messages merged in arrival order, one event
each, with what the venue knew after each — the book's touch (its own book, rebuilt from the
depth), the latest quote and last price of the event's symbol, and the venue's clock.

The venue takes a request at the first event whose exchange time is at or after its arrival,
against the market that event leaves; the event then acts on what was working. So every fill
belongs to one event: a tick (``depth_seq`` −1, ``seq`` its arrival number) or a depth message
(``depth_seq`` its number among the depth messages, from 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from quantum.audit.book import Book, Levels
from quantum.engine.config import LatencyConfig

__all__ = ["Events", "events_of"]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


@dataclass
class Events:
    """Arrays indexed by event, in arrival order."""

    tick: I64  #: the tick's row, −1 for a depth message
    depth: I64  #: the depth message's row, −1 for a tick
    seq: I64  #: ticks processed up to and including this event
    ts_event: I64
    ts_recv: I64
    symbol: I64
    accepted: NDArray[np.bool_]  #: a tick the sanitizer accepted, or any depth message
    clock: I64  #: the venue's clock: the latest exchange time of any event so far
    has_book: NDArray[np.bool_]  #: a synced book of the symbol drives the venue
    bid: F64  #: the touch after the event: the book's, else the tick's own quote
    ask: F64
    qbid: F64  #: the symbol's latest quote (quote-only data), its sizes, its last price
    qask: F64
    qbid_qty: F64
    qask_qty: F64
    last: F64
    tick_event: I64  #: event of each tick row
    depth_event: I64  #: event of each depth row
    recv_known: bool = True  #: False under a drawn feed latency
    #: Both sides of a symbol's synced book at the events asked for, keyed (event, symbol):
    #: (bids, asks), best first.
    levels: dict[tuple[int, int], tuple[Levels, Levels]] = field(default_factory=dict)
    _by_symbol: dict[int, I64] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ts_event)

    def of_fill(self, seq: int, depth_seq: int) -> int:
        """The event of a fill (−1 when there is none)."""
        if depth_seq >= 0:
            d = depth_seq - 1
            return int(self.depth_event[d]) if 0 <= d < len(self.depth_event) else -1
        return int(self.tick_event[seq - 1]) if 0 < seq <= len(self.tick_event) else -1

    def first_at(self, start: int, ts: int) -> int:
        """The first accepted event from ``start`` on whose exchange time is at or after ``ts``
        (``len(self)`` when none): where the venue takes a request arriving at ``ts``."""
        width = 64
        while start < len(self):
            stop = min(start + width, len(self))
            hit = np.flatnonzero((self.ts_event[start:stop] >= ts) & self.accepted[start:stop])
            if len(hit):
                return start + int(hit[0])
            start, width = stop, width * 4
        return len(self)

    def latest(self, symbol: int, k: int) -> int:
        """The latest event of ``symbol`` at or before ``k`` (−1 when none): what the venue
        remembers of that symbol's quote and last price at event ``k``."""
        rows = self._by_symbol.get(symbol)
        if rows is None:
            rows = self._by_symbol[symbol] = np.flatnonzero(self.symbol == symbol)
        j = int(np.searchsorted(rows, k, side="right")) - 1
        return int(rows[j]) if j >= 0 else -1


def events_of(
    cols: dict[str, Any], n: int, accepted: NDArray[np.bool_], feed: Any, rule: str,
    fills_at: set[tuple[int, int]], feed_latency: LatencyConfig | None = None,
) -> Events:  # fmt: skip
    """The events of ticks ``cols`` (``n`` rows, ``accepted`` by the sanitizer) and, when
    ``feed`` is a ``FeedChunk`` with depth, its depth messages; the books' levels are kept at
    the fills' ``(seq, depth_seq)`` (every symbol's). With a constant ``feed_latency`` each
    event is received that long after its exchange time, never before the one before it; with
    a drawn one the receive times are unknown (``recv_known`` False)."""
    depth = feed.depth if feed is not None and len(feed.depth) else None
    if depth is None:
        kind, index = np.zeros(n, np.int8), np.arange(n, dtype=np.int64)
    else:
        kind, index = feed.arrival_order()
    e = len(kind)
    is_tick = kind == 0
    tick = np.where(is_tick, index, -1).astype(np.int64)
    drow = np.where(is_tick, -1, index).astype(np.int64)
    tick_event = np.empty(n, np.int64)
    tick_event[index[is_tick]] = np.flatnonzero(is_tick)
    depth_event = np.empty(0 if depth is None else len(depth), np.int64)
    depth_event[index[~is_tick]] = np.flatnonzero(~is_tick)
    seq = np.cumsum(is_tick).astype(np.int64)

    def col(name: str) -> F64:
        c = cols.get(name)
        return np.full(n, np.nan) if c is None else np.asarray(c, dtype=np.float64)

    t_ev = np.asarray(cols["ts_event"], dtype=np.int64)
    t_rv = np.asarray(cols.get("ts_recv", t_ev), dtype=np.int64)
    t_sym = np.asarray(cols.get("symbol", np.zeros(n)), dtype=np.int64)
    bid, ask, bq, aq = col("bid"), col("ask"), col("bid_qty"), col("ask_qty")
    price, close = col("price"), col("close")
    ts_event, ts_recv, symbol = np.empty(e, np.int64), np.empty(e, np.int64), np.empty(e, np.int64)
    ts_event[is_tick], ts_recv[is_tick] = t_ev[tick[is_tick]], t_rv[tick[is_tick]]
    symbol[is_tick] = t_sym[tick[is_tick]]
    acc = np.ones(e, bool)
    acc[is_tick] = accepted[tick[is_tick]]
    if depth is not None:
        rows = drow[~is_tick]
        ts_event[~is_tick] = np.asarray(depth.ts_event, np.int64)[rows]
        ts_recv[~is_tick] = np.asarray(depth.ts_recv, np.int64)[rows]
        symbol[~is_tick] = np.asarray(depth.symbol, np.int64)[rows]
    recv_known = True
    if feed_latency is not None and feed_latency.kind == "constant":
        ts_recv[:] = np.maximum.accumulate(ts_event + feed_latency.entry_ns)
    elif feed_latency is not None and feed_latency.kind == "empirical":
        recv_known = False
    clock = np.maximum.accumulate(np.where(acc, ts_event, np.iinfo(np.int64).min))
    want = {
        int(depth_event[d - 1]) if d >= 0 else int(tick_event[s - 1])
        for s, d in fills_at
        if 0 < d <= len(depth_event) or (d < 0 and 0 < s <= n)
    }
    ev = Events(
        tick=tick, depth=drow, seq=seq, ts_event=ts_event, ts_recv=ts_recv, symbol=symbol,
        accepted=acc, clock=clock, has_book=np.zeros(e, bool), bid=np.full(e, np.nan),
        ask=np.full(e, np.nan), qbid=np.full(e, np.nan), qask=np.full(e, np.nan),
        qbid_qty=np.full(e, np.nan), qask_qty=np.full(e, np.nan), last=np.full(e, np.nan),
        tick_event=tick_event, depth_event=depth_event, recv_known=recv_known,
    )  # fmt: skip
    _replay(ev, depth, rule, (bid, ask, bq, aq, price, close), want)
    return ev


def _replay(ev: Events, depth: Any, rule: str, tick_cols: tuple[F64, ...], want: set[int]) -> None:
    """Walks the events once: the books, the quotes and last prices the venue remembers."""
    bid, ask, bq, aq, price, close = (c.tolist() for c in tick_cols)
    books: dict[int, Book] = {}
    memory: dict[int, list[float]] = {}  # symbol -> [bid, ask, bid_qty, ask_qty, last]
    nan = float("nan")
    off: Any = None if depth is None else depth.level_offsets
    tick, drow, symbol, acc = ev.tick.tolist(), ev.depth.tolist(), ev.symbol.tolist(), ev.accepted
    out_bid, out_ask, out_book = ev.bid, ev.ask, ev.has_book
    q = np.full((len(ev), 5), np.nan)
    for k in range(len(ev)):
        sym = symbol[k]
        book = books.get(sym)
        m = memory.setdefault(sym, [nan, nan, nan, nan, nan])
        if drow[k] >= 0:
            r = drow[k]
            lo, hi = int(off[r]), int(off[r + 1])
            levels = list(
                zip(
                    depth.side[lo:hi].tolist(), depth.price[lo:hi].tolist(),
                    depth.qty[lo:hi].tolist(), strict=True,
                )
            )  # fmt: skip
            book = books.setdefault(sym, Book())
            if bool(depth.is_snapshot[r]):
                book.snapshot(int(depth.last_id[r]), levels, rule)
            else:
                book.update(int(depth.first_id[r]), int(depth.last_id[r]), levels, rule)
        else:
            i = tick[k]
            b, a = bid[i], ask[i]
            if not (b == b and a == a) and book is not None and book.synced:
                b, a = book.top()  # a trade of an L2 capture is seen through the book
            if acc[k]:
                if b == b and a == a:
                    m[0], m[1], m[2], m[3] = b, a, bq[i], aq[i]
                if close[i] == close[i]:
                    m[4] = close[i]
                elif price[i] == price[i]:
                    m[4] = price[i]
                elif b == b and a == a and m[4] != m[4]:
                    m[4] = 0.5 * (b + a)
            out_bid[k], out_ask[k] = b, a
        if book is not None and book.synced:
            out_book[k] = True
            out_bid[k], out_ask[k] = book.top()
        q[k] = m
        if k in want:
            for s, b in books.items():
                if b.synced:
                    ev.levels[(k, s)] = (b.side(True), b.side(False))
    ev.qbid, ev.qask, ev.qbid_qty, ev.qask_qty, ev.last = (q[:, j].copy() for j in range(5))
