"""A bracket's exits, trip by trip: the take-profit and stop-loss armed when the entry filled,
and the liquidation price, act on the first event after the arming fill that reaches a level.

The rules (docs/simulator.md "Stops, take-profits, brackets, liquidation"): the levels are the
entry's average fill price × (1 ± the distances); the liquidation price is the position's
average entry × (1 − 1/leverage + maintenance margin), mirrored for a short. A stop or target
watches the last trade price (a print), else the price it would execute at (the touch on its
side: the book's, else the latest quote, else the last price); depth messages trigger them at
the book's touch. A liquidation (on ticks) goes first, then stops, then targets. On a bar the
path is the open, then the adverse extreme, then the other: an open beyond a level acts there
(a stop at the worse open, a target or a liquidation at its level), then the range, the stop
first. An exit armed by a fill waits for the next event, except on a bar whose open filled the
entry: its range comes after.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from quantum.audit.ledger import E8, Fill, RoundTrip, q8
from quantum.audit.market import Market
from quantum.engine import EngineConfig

__all__ = ["check_exits"]

Problem = Callable[[str, Fill | None, str], None]
_NONE, _LIQ, _SL, _TP = 0, 1, 2, 3
_NAMES = {_LIQ: "liquidation", _SL: "stop_loss", _TP: "take_profit"}
I64 = NDArray[np.int64]
_BRACKET = {"stop_market", "take_profit"}


class _Levels:
    def __init__(self, avg: float, long: bool, c: EngineConfig, sl: bool, tp: bool) -> None:
        x, s, inf = c.execution, (1.0 if long else -1.0), float("inf")
        self.long = long
        self.tp = float(q8(avg * (1 + s * x.take_profit))) if tp and x.take_profit else s * inf
        self.sl = float(q8(avg * (1 - s * x.stop_loss))) if sl and x.stop_loss else -s * inf
        liq = max(avg * (1 - s * (1 / x.leverage - x.maintenance_margin)), 1e-8)
        self.liq = float(q8(liq))

    def adverse(self, px: NDArray[np.float64], level: float) -> NDArray[np.bool_]:
        return px <= level if self.long else px >= level

    def favourable(self, px: NDArray[np.float64], level: float) -> NDArray[np.bool_]:
        return px >= level if self.long else px <= level


def _codes(m: Market, rows: I64, lv: _Levels) -> NDArray[np.int64]:
    """The exit each event of ``rows`` gives a position with levels ``lv`` (0: none)."""
    ev = m.events
    ticks = ev.tick[rows]
    is_tick = ticks >= 0
    t = np.where(is_tick, ticks, 0)
    near = ev.bid[rows] if lv.long else ev.ask[rows]  # the touch the exit sells or buys at
    quote = ev.qbid[rows] if lv.long else ev.qask[rows]
    execute = np.where(ev.has_book[rows], near, np.where(np.isfinite(quote), quote, ev.last[rows]))
    printed = is_tick & np.isfinite(m.price[t]) & (m.volume[t] > 0)
    observed = np.where(printed, m.price[t], execute)
    tick = np.select(
        [
            is_tick & lv.adverse(execute, lv.liq),
            lv.adverse(observed, lv.sl),
            lv.favourable(observed, lv.tp),
        ],
        [_LIQ, _SL, _TP],
        _NONE,
    )
    o = m.open[t]
    worst, best = (m.low[t], m.high[t]) if lv.long else (m.high[t], m.low[t])
    first_down = max(lv.sl, lv.liq) if lv.long else min(lv.sl, lv.liq)
    stop_first = lv.sl == first_down
    bar = np.select(
        [
            lv.adverse(o, lv.liq),
            lv.adverse(o, lv.sl),
            lv.favourable(o, lv.tp),
            lv.adverse(worst, first_down),
            lv.favourable(best, lv.tp),
        ],
        [_LIQ, _SL, _TP, _SL if stop_first else _LIQ, _TP],
        _NONE,
    )
    is_bar = is_tick & np.isfinite(m.high[t]) & np.isfinite(m.low[t])
    return np.where(is_bar, bar, tick)


def _exit_price(m: Market, k: int, lv: _Levels, code: int) -> float | None:
    """The price an exit on event ``k`` must have, when its level fixes it."""
    i = int(m.events.tick[k])
    if code == _LIQ:
        return lv.liq
    if i < 0 or not m.is_bar(i):
        return None  # a stop or target on a tick or depth message takes the market
    o = np.array([float(m.open[i])])
    if code == _SL:
        return float(o[0]) if bool(lv.adverse(o, lv.sl)[0]) else lv.sl
    return lv.tp


def check_exits(
    t: RoundTrip, events: dict[int, int], m: Market, c: EngineConfig,
    children: dict[int, set[str]], problem: Problem,
) -> None:  # fmt: skip
    """Trip ``t``'s fills in event order, and its first stretch (its opening fills by one order,
    on one event, up to the next fill) under that order's bracket and the liquidation price: no
    level reached and missed, no exit without a level, the right exit at its price."""
    ev = m.events
    first = t.first
    if any(events.get(f.row, -1) < 0 for f in t.fills):
        return
    for a, b in zip(t.fills, t.fills[1:], strict=False):
        if events[b.row] < events[a.row]:
            problem(
                "exit_before_entry", b, f"on event {events[b.row]}, after one on {events[a.row]}"
            )
            return
    # Shadow entries are the signals' and carry their brackets; their orders are not journaled.
    # Without a bracket the liquidation price still watches the position.
    kinds = _BRACKET if t.shadow else children.get(first.order_id, set())
    n = 0
    while n < len(t.fills) and t.fills[n].opens and t.fills[n].order_id == first.order_id:
        n += 1
    entry = t.fills[:n]
    arming = events[entry[-1].row]
    if events[first.row] != arming:
        return  # an entry filled over several events: its levels moved as it filled
    nxt = t.fills[n] if n < len(t.fills) else None
    if nxt is not None and nxt.opens:
        return  # added to by another order: the levels are the bracket's no more
    qty = sum((f.qty for f in entry), Decimal(0))
    avg = float(sum((f.qty * f.price for f in entry), Decimal(0)) / qty)
    lv = _Levels(avg, t.long, c, "stop_market" in kinds, "take_profit" in kinds)
    i = int(ev.tick[arming])
    start = arming + 1
    if i >= 0 and m.is_bar(i) and np.isfinite(m.open[i]) and not first.triggered:
        start = arming  # filled at the bar's open: its range comes after
    end = events[nxt.row] if nxt is not None else len(ev) - 1
    if nxt is not None and not nxt.triggered:
        end -= 1  # a request is taken before its event acts on what was working
    rows = np.arange(start, end + 1, dtype=np.int64)
    rows = rows[(ev.symbol[rows] == first.symbol) & ev.accepted[rows]]
    codes = _codes(m, rows, lv) if len(rows) else np.empty(0, np.int64)
    hits = np.flatnonzero(codes)
    triggered = nxt is not None and nxt.triggered
    if not len(hits):
        if triggered and nxt is not None:
            problem("wrong_exit", nxt, f"{nxt.exit_reason} on event {end}, which reached no level")
        return
    k, code = int(rows[hits[0]]), int(codes[hits[0]])
    reason = _NAMES[code]
    if nxt is None or events[nxt.row] != k or not triggered:
        where = "still open" if nxt is None else f"closed on event {events[nxt.row]}"
        where += "" if nxt is None else f" ({nxt.exit_reason})"
        problem("missed_exit", nxt or first, f"event {k} reached the {reason} level; {where}")
        return
    if nxt.exit_reason != reason:
        kind = "stop_first" if code == _SL else "wrong_exit"
        problem(kind, nxt, f"event {k} gave {reason}, the trade exited by {nxt.exit_reason}")
        return
    want = _exit_price(m, k, lv, code)
    if want is not None and abs(nxt.price - q8(want)) > 2 * E8:
        problem("fill_price", nxt, f"{reason} at {nxt.price}, its level gave {want!r}")
