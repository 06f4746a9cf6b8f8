"""The execution rules, fill by fill and trip by trip: timing against the decision, the price a
fill could get on its tick, the fee, and the exits (the right one, at the right level, none
missed, stop first on a bar that touched both).

The rules (docs/backtesting.md): a decision fills on a later accepted tick of its symbol at
least the order latency after it — at the ask or bid when quoted, else at a bar's open, else at
the last price, with slippage against the order. A take-profit, stop or liquidation triggers on
the first tick after the fill that reaches its level (a bar filled at its open counts its own
range; a fill at a close does not): on a quote or trade tick at the market price (liquidation at
its level); on a bar the open decides first (liquidation at its level, a stop at the worse open,
a target at its level), then the range, stop before target, and a stop before a liquidation
beyond it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import numpy as np

from quantum.audit.ledger import E8, Fill, RoundTrip, q8
from quantum.audit.market import Market
from quantum.engine import EngineConfig

__all__ = ["Levels", "check_fill", "check_trip", "levels_of"]

#: Exact prices may differ by a unit where the engine rounds a float once and the auditor
#: recomputes from the rounded value: two units is still "to 10⁻⁸".
TOL = 2 * E8
Problem = Callable[[str, Fill | None, str], None]


class Levels:
    """A position's exit levels, recomputed from its entry price and the config."""

    def __init__(self, entry: Decimal, long: bool, c: EngineConfig) -> None:
        e, s = float(entry), 1.0 if long else -1.0
        x = c.execution
        self.long = long
        inf = float("inf")
        self.tp = e * (1 + s * x.take_profit) if x.take_profit is not None else s * inf
        self.sl = e * (1 - s * x.stop_loss) if x.stop_loss is not None else -s * inf
        self.liq = max(e * (1 - s * (1 / x.leverage - x.maintenance_margin)), 1e-8)

    def adverse(self, px: float, level: float) -> bool:
        return px <= level if self.long else px >= level

    def favourable(self, px: float, level: float) -> bool:
        return px >= level if self.long else px <= level


def levels_of(trip: RoundTrip, c: EngineConfig) -> Levels:
    return Levels(trip.entry.price, trip.long, c)


def _market_price(m: Market, i: int, buy: bool, slip: float) -> float:
    """What a market order gets on tick ``i``."""
    if buy and np.isfinite(m.ask[i]):
        return float(m.ask[i])
    if not buy and np.isfinite(m.bid[i]):
        return float(m.bid[i])
    at_open = m.is_bar(i) and np.isfinite(m.open[i])
    base = float(m.open[i]) if at_open else float(m.reference[i])
    return base * (1 + slip) if buy else base * (1 - slip)


def _near(a: Decimal, b: float) -> bool:
    return bool(np.isfinite(b)) and abs(a - q8(b)) <= TOL


def check_fill(f: Fill, m: Market, c: EngineConfig, problem: Problem) -> bool:
    """The fill's tick, timing, market price and fee. Returns whether its tick is known."""
    i = f.seq - 1
    if not (0 <= i < len(m)) or int(m.symbol[i]) != f.symbol or int(m.ts_recv[i]) != f.ts_recv:
        problem("fill_tick", f, f"no tick of its symbol arrived {f.seq}th at {f.ts_recv}")
        return False
    if not m.accepted[i]:
        problem("fill_tick", f, f"filled on tick {f.seq}, which the sanitizer rejected")
    if f.triggered:
        if f.decided_seq != f.seq:
            problem("fill_timing", f, "a triggered exit with an earlier decision")
    else:
        if f.decided_seq >= f.seq:
            problem("fill_timing", f, f"filled on tick {f.seq}, decided on tick {f.decided_seq}")
        if f.ts_recv < f.decided_at + c.execution.latency_ns:
            problem(
                "fill_timing",
                f,
                f"filled {f.ts_recv - f.decided_at} ns after its decision, latency "
                f"{c.execution.latency_ns} ns",
            )
        want = _market_price(m, i, f.buy, c.execution.slippage_bps * 1e-4)
        if not _near(f.price, want):
            problem("fill_price", f, f"market fill at {f.price}, the tick gave {want!r}")
        _check_bounds(f, m, i, c, problem)
    x = c.execution
    if f.exit_reason == "liquidation":
        want_bps = x.liquidation_fee_bps
    elif f.maker:
        want_bps = x.maker_fee_bps
    else:
        want_bps = x.taker_fee_bps
    if f.maker and not (f.exit_reason == "take_profit" and m.is_bar(i)):
        problem("fee", f, "a maker fee on a fill that took liquidity")
    notional = q8(f.qty * f.price)
    if f.fee_bps != want_bps or abs(f.fee - q8(notional * Decimal(repr(want_bps)) / 10_000)) > E8:
        problem("fee", f, f"fee {f.fee} at {f.fee_bps} bps; {want_bps} bps of {notional} expected")
    return True


def _check_bounds(f: Fill, m: Market, i: int, c: EngineConfig, problem: Problem) -> None:
    """A fill inside what the tick traded at: [bid, ask], or the bar's range, plus slippage."""
    slip = c.execution.slippage_bps * 1e-4
    px = float(f.price)
    if m.quoted(i):
        lo, hi = float(m.bid[i]), float(m.ask[i])
    elif m.is_bar(i):
        lo, hi = float(m.low[i]) * (1 - slip), float(m.high[i]) * (1 + slip)
    else:
        ref = float(m.reference[i])
        lo, hi = ref * (1 - slip), ref * (1 + slip)
    if not (lo - 2e-8 <= px <= hi + 2e-8):
        problem("fill_price", f, f"{f.price} outside what tick {f.seq} traded at [{lo}, {hi}]")


_NONE, _LIQ, _SL, _TP = 0, 1, 2, 3
_NAMES = {_LIQ: "liquidation", _SL: "stop_loss", _TP: "take_profit"}


def _triggers(m: Market, rows: np.ndarray, lv: Levels, c: EngineConfig) -> np.ndarray:
    """The exit each of ``rows`` triggers for a position with levels ``lv`` (0: none)."""
    slip = c.execution.slippage_bps * 1e-4
    long = lv.long
    # A market exit sells for a long (the bid) and buys for a short (the ask).
    quote = m.bid[rows] if long else m.ask[rows]
    at_open = np.isfinite(m.open[rows])
    base = np.where(at_open, m.open[rows], m.reference[rows])
    market = np.where(np.isfinite(quote), quote, base * ((1 - slip) if long else (1 + slip)))

    def adverse(x: np.ndarray, level: float) -> np.ndarray:
        return x <= level if long else x >= level

    def favourable(x: np.ndarray, level: float) -> np.ndarray:
        return x >= level if long else x <= level

    tick = np.select(
        [adverse(market, lv.liq), adverse(market, lv.sl), favourable(market, lv.tp)],
        [_LIQ, _SL, _TP],
        _NONE,
    )
    o = m.open[rows]
    worst, best = (m.low[rows], m.high[rows]) if long else (m.high[rows], m.low[rows])
    stop_nearer = not lv.adverse(lv.sl, lv.liq)
    bar = np.select(
        [
            at_open & adverse(o, lv.liq),
            at_open & adverse(o, lv.sl),
            at_open & favourable(o, lv.tp),
            adverse(worst, lv.sl) & stop_nearer,
            adverse(worst, lv.liq),
            favourable(best, lv.tp),
        ],
        [_LIQ, _SL, _TP, _SL, _LIQ, _TP],
        _NONE,
    )
    is_bar = np.isfinite(m.high[rows]) & np.isfinite(m.low[rows])
    return np.where(is_bar, bar, tick)


def _exit_price(m: Market, i: int, lv: Levels, reason: str, c: EngineConfig) -> float:
    if reason == "liquidation":
        return lv.liq
    if not m.is_bar(i):
        return _market_price(m, i, not lv.long, c.execution.slippage_bps * 1e-4)
    o = float(m.open[i])
    if reason == "stop_loss":
        return o if np.isfinite(o) and lv.adverse(o, lv.sl) else lv.sl
    return lv.tp


def check_trip(t: RoundTrip, m: Market, c: EngineConfig, problem: Problem) -> None:
    """Exits after entries, at the first tick that triggers one, the right one at its price."""
    e = t.entry
    lv = levels_of(t, c)
    start = e.seq - 1
    at_open = m.is_bar(start) and np.isfinite(m.open[start]) and not m.quoted(start)
    # A decided exit fills before its tick's exit checks: that tick cannot trigger one.
    end = len(m) - 1
    if t.exit is not None:
        end = t.exit.seq - (1 if t.exit.triggered else 2)
    if t.exit is not None and t.exit.seq < e.seq:
        problem("exit_before_entry", t.exit, f"exit on tick {t.exit.seq}, entry on {e.seq}")
        return
    first = start if at_open else start + 1
    rows = np.arange(first, end + 1)
    rows = rows[(m.symbol[rows] == e.symbol) & m.accepted[rows]]
    codes = _triggers(m, rows, lv, c) if len(rows) else np.empty(0, np.int64)
    hits = np.flatnonzero(codes)
    if len(hits):
        i = int(rows[hits[0]])
        reason = _NAMES[int(codes[hits[0]])]
        x = t.exit
        if x is None or x.seq - 1 != i or not x.triggered:
            where = "still open" if x is None else f"closed on tick {x.seq} ({x.exit_reason})"
            problem("missed_exit", x or e, f"tick {i + 1} reached the {reason} level; {where}")
        elif x.exit_reason != reason:
            kind = "stop_first" if reason == "stop_loss" else "wrong_exit"
            problem(kind, x, f"tick {i + 1} gave {reason}, the trade exited by {x.exit_reason}")
        elif not _near(x.price, _exit_price(m, i, lv, reason, c)):
            want = _exit_price(m, i, lv, reason, c)
            problem("fill_price", x, f"{reason} at {x.price}, its level gave {want!r}")
        return
    if t.exit is not None and t.exit.triggered:
        problem(
            "wrong_exit",
            t.exit,
            f"{t.exit.exit_reason} on tick {t.exit.seq}, which reached no level",
        )
