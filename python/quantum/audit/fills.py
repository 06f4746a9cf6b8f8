"""Each fill on its own: the event it came on, when, at what price, and its fee.

The rules (docs/simulator.md, docs/backtesting.md "When and where an order fills"): a request
reaches the venue at ``A`` = its local time + the entry latency and is taken at the first event
whose exchange time is at or after ``A`` (never on the event it was decided on), its fills
carrying that event's receive time and the venue's clock (at least the event's exchange time).
A taker fill is at a level of the book on its side (a buy at or above the best ask, at most
that level's size), or on quotes at the touch (at most its shown size) or the impact price
beyond it, or at the last price (a bar's open for a request taken at a bar) with slippage. A
maker fill is at its order's price, on an event that reached it: a print at or through it, the
other side of the quote or the book at or through it, or a bar's range. Fees are the maker,
taker or liquidation rate of the notional, rounded once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from quantum.audit.ledger import E8, Fill, q8
from quantum.audit.market import Market
from quantum.engine import EngineConfig

__all__ = ["Order", "check_fill", "entry_latency", "orders_of", "rates"]

#: Prices the engine rounds from a float once may differ from the auditor's by a unit.
TOL = 2 * E8
Problem = Callable[[str, Fill | None, str], None]
_PRESETS = {"binance_usdm": (2.0, 5.0), "bybit": (2.0, 5.5), "okx": (2.0, 5.0)}


@dataclass(frozen=True)
class Order:
    """What the auditor needs of a row of ``result.orders``."""

    kind: str
    price: float
    ts_init: int
    parent: int
    ts_accepted: int


def orders_of(frame: Any) -> dict[int, Order]:
    if frame is None or not len(frame):
        return {}
    keys = ("order_id", "kind", "price", "ts_init", "parent", "ts_accepted")
    c = {k: frame[k].tolist() for k in keys}
    return {
        int(i): Order(str(k), float(p), int(t), int(par), int(acc))
        for i, k, p, t, par, acc in zip(*(c[k] for k in keys), strict=True)
    }


def rates(c: EngineConfig) -> tuple[float, float]:
    """(maker, taker) bps: the preset's when ``execution.fees`` names one."""
    x = c.execution
    return _PRESETS[x.fees] if x.fees is not None else (x.maker_fee_bps, x.taker_fee_bps)


def entry_latency(c: EngineConfig) -> int:
    """The least entry latency: the constant, or 0 for drawn latencies."""
    lat = c.execution.order_latency
    if lat is None:
        return c.execution.latency_ns
    return lat.entry_ns if lat.kind == "constant" else 0


def _near(a: Decimal, b: float) -> bool:
    return bool(np.isfinite(b)) and abs(a - q8(b)) <= TOL


def _against(x: float, buy: bool, bps: float) -> float:
    return x * (1 + bps * 1e-4) if buy else x * (1 - bps * 1e-4)


def check_fill(
    f: Fill, m: Market, c: EngineConfig, orders: dict[int, Order], problem: Problem
) -> int:
    """The fill's event, timing, price and fee. Returns its event (−1 when it has none)."""
    ev = m.events
    k = ev.of_fill(f.seq, f.depth_seq)
    where = f"depth message {f.depth_seq}" if f.depth_seq >= 0 else f"tick {f.seq}"
    # A new order is taken at the first event after its arrival, whatever that event's symbol;
    # what the market does to working orders happens on events of their own symbol.
    own = f.maker or f.triggered
    recv_wrong = ev.recv_known and k >= 0 and int(ev.ts_recv[k]) != f.ts_recv
    if k < 0 or recv_wrong or (own and int(ev.symbol[k]) != f.symbol):
        problem("fill_tick", f, f"no {where} {'of its symbol ' * own}arrived at {f.ts_recv}")
        return -1
    if int(ev.seq[k]) != f.seq:
        problem("fill_tick", f, f"{where} came after tick {ev.seq[k]}, not {f.seq}")
    if not ev.accepted[k]:
        problem("fill_tick", f, f"filled on {where}, which the sanitizer rejected")
    i = int(ev.tick[k])
    # A bar's time is its close; a request taken at its open carries the venue's clock before.
    lowest = -(2**63) if i >= 0 and m.is_bar(i) else int(ev.ts_event[k])
    if not lowest <= f.ts_event <= int(ev.clock[k]):
        problem(
            "fill_tick", f, f"exchange time {f.ts_event} is not the venue's at {where} "
            f"[{ev.ts_event[k]}, {ev.clock[k]}]"
        )  # fmt: skip
    # ``result.orders`` holds the real venue's orders; shadow orders have their own ids.
    order = None if f.shadow else orders.get(f.order_id)
    _check_timing(f, k, m, c, problem)
    _check_price(f, k, m, c, order, problem)
    _check_fee(f, c, order, problem)
    return k


def _check_timing(f: Fill, k: int, m: Market, c: EngineConfig, problem: Problem) -> None:
    ev = m.events
    if f.triggered:
        if f.decided_seq != f.seq or (ev.recv_known and f.decided_at != int(ev.ts_recv[k])):
            problem("fill_timing", f, "a triggered exit with an earlier decision")
        return
    if f.decided_seq > len(ev.tick_event):
        problem("fill_timing", f, f"decided on tick {f.decided_seq}, which never came")
        return
    decided = int(ev.tick_event[f.decided_seq - 1]) if f.decided_seq >= 1 else -1
    # A decision on an order event heard just before tick ``decided_seq`` moved anything
    # carries that tick's number with a local time between the event before it and it: that
    # tick may still fill the order.
    before = (
        decided >= 0
        and ev.recv_known
        and (decided == 0 or int(ev.ts_recv[decided - 1]) < f.decided_at)
        and f.decided_at < int(ev.ts_recv[decided])
    )
    if k < decided or (k == decided and not before):
        problem("fill_timing", f, f"filled on event {k}, decided on tick {f.decided_seq}")
        return
    arrival = f.decided_at + entry_latency(c)
    taken = ev.first_at(decided if before else decided + 1, arrival)
    # A taker fill is made as the request is taken, at the venue's clock; a resting order's
    # later fill carries its event's exchange time, which a depth message may have older.
    if k < taken or (not f.maker and f.ts_event < arrival):
        problem(
            "fill_timing", f, f"filled on event {k} at {f.ts_event}, before its order's "
            f"arrival {arrival} (decided at {f.decided_at}; first event at or after it: {taken})"
        )  # fmt: skip


def _check_price(
    f: Fill, k: int, m: Market, c: EngineConfig, order: Order | None, problem: Problem
) -> None:
    ev, x = m.events, c.execution
    i = int(ev.tick[k])
    bar = i >= 0 and m.is_bar(i) and int(ev.symbol[k]) == f.symbol
    px = float(f.price)
    if f.exit_reason == "liquidation":
        return  # at the position's liquidation price: checked with its round trip
    if f.maker:
        if order is not None and order.kind == "limit" and not _near(f.price, order.price):
            problem("fill_price", f, f"maker fill at {f.price}, its order's price {order.price}")
        if not _reached(m, k, f.buy, px):
            problem("maker_unreached", f, f"maker fill at {f.price}, event {k} never reached it")
        return
    if bar:
        if f.triggered:  # a stop on a bar: its level or the open it gapped to
            lo, hi = float(m.low[i]), float(m.high[i])
            if not (lo - 2e-8 <= px <= hi + 2e-8) and not _near(f.price, float(m.open[i])):
                problem("fill_price", f, f"stop at {f.price} outside bar {f.seq} [{lo}, {hi}]")
            return
        base = float(m.open[i]) if np.isfinite(m.open[i]) else float(ev.last[k])
        want = _against(base, f.buy, x.slippage_bps)
        if not _near(f.price, want):
            problem("fill_price", f, f"fill at {f.price} on bar {f.seq}, which gave {want!r}")
        return
    limit = order.price if order is not None and order.kind == "limit" else None
    if limit is not None and (px > limit + 1e-8 if f.buy else px < limit - 1e-8):
        problem("fill_price", f, f"fill at {f.price} beyond its limit {limit}")
    book = ev.levels.get((k, f.symbol))
    if book is not None:
        side = book[1] if f.buy else book[0]
        size = next((q for p, q in side if abs(q8(p) - f.price) <= TOL), None)
        if size is None or q8(size) < f.qty:
            top = side[0][0] if side else float("nan")
            problem(
                "fill_price", f, f"taker fill of {f.qty} at {f.price}: no such level on the "
                f"book's {'ask' if f.buy else 'bid'} side at event {k} (touch {top})"
            )  # fmt: skip
        return
    k = ev.latest(f.symbol, k)  # what the venue remembers of the symbol's market
    if k < 0:
        problem("fill_price", f, "a taker fill before any market of its symbol")
        return
    touch = float(ev.qask[k] if f.buy else ev.qbid[k])
    if np.isfinite(touch) and np.isfinite(ev.qbid[k] * ev.qask[k]):
        shown = float(ev.qask_qty[k] if f.buy else ev.qbid_qty[k])
        at_touch = _near(f.price, touch) and (not np.isfinite(shown) or f.qty <= q8(shown))
        if not at_touch and not _near(f.price, _against(touch, f.buy, x.impact_bps)):
            problem(
                "fill_price", f, f"taker fill of {f.qty} at {f.price}; the quote gave {touch!r} "
                f"for {shown} and {_against(touch, f.buy, x.impact_bps)!r} beyond"
            )  # fmt: skip
        return
    want = _against(float(ev.last[k]), f.buy, x.slippage_bps)
    if not _near(f.price, want):
        problem("fill_price", f, f"fill at {f.price}; the last price gave {want!r}")


def _reached(m: Market, k: int, buy: bool, px: float) -> bool:
    """Whether event ``k`` reached a resting order's price ``px``: a print at or through it, the
    other side of the quote or the book at or through it, or a bar's range."""
    ev = m.events
    i = int(ev.tick[k])
    eps = 1e-9 * px
    if i >= 0 and m.is_bar(i):
        return bool(m.low[i] <= px + eps if buy else m.high[i] >= px - eps)
    printed = i >= 0 and np.isfinite(m.price[i]) and m.volume[i] > 0
    if printed and (m.price[i] <= px + eps if buy else m.price[i] >= px - eps):
        return True
    if i >= 0 and ev.has_book[k]:
        return False  # with a book only depth messages move the other side
    other = float(ev.ask[k] if buy else ev.bid[k])
    return bool(other <= px + eps if buy else other >= px - eps)


def _check_fee(f: Fill, c: EngineConfig, order: Order | None, problem: Problem) -> None:
    maker_bps, taker_bps = rates(c)
    if f.exit_reason == "liquidation":
        want_bps = c.execution.liquidation_fee_bps
    else:
        want_bps = maker_bps if f.maker else taker_bps
    if f.maker and order is not None and order.kind in ("market", "stop_market"):
        problem("fee", f, f"a maker fee on a {order.kind} order, which takes liquidity")
    notional = q8(f.qty * f.price)
    if f.fee_bps != want_bps or abs(f.fee - q8(notional * Decimal(repr(want_bps)) / 10_000)) > E8:
        problem("fee", f, f"fee {f.fee} at {f.fee_bps} bps; {want_bps} bps of {notional} expected")
