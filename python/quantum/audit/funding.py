"""Funding, rebuilt from the ticks: a position pays (or receives) at each funding time it is
open through — the multiples of the funding interval after the fill that opened it from flat,
settled on the symbol's first accepted tick at or after each one, before that tick's fills — at
the rate in force then (the latest known at or before the funding time) on the size it held
then at its last mark."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from quantum.audit.ledger import E8, Fill, RoundTrip, q8
from quantum.audit.market import Market

__all__ = ["Marks", "check_funding", "funding_amount"]

Problem = Callable[[str, Fill | None, str], None]


def _rate8(rate: float) -> Decimal:
    """A rate at 10⁻⁸ as the engine rounds it (half away from zero)."""
    units = math.floor(abs(rate) * 1e8 + 0.5)
    return Decimal(int(math.copysign(units, rate))) * E8


def funding_amount(qty: Decimal, mark: Decimal, rate: float) -> Decimal:
    """One payment: the signed value at the mark, rounded once, times the rate, rounded once."""
    return q8(q8(qty * mark) * _rate8(rate))


class Marks:
    """A position's mark as the engine keeps it: each fill marks it at its price; each accepted
    tick of its symbol after the fills on it marks it at the tick's reference price, when that
    price moved since the last tick that marked it while the symbol's position was held (a flip
    by one execution keeps it held)."""

    def __init__(self, m: Market, events: dict[int, int]) -> None:
        self.m, self.events = m, events
        self.rows: dict[int, NDArray[np.int64]] = {}

    def before(self, t: RoundTrip, k: int) -> Decimal:
        """The mark of ``t`` just before event ``k`` (its fills before ``k`` applied)."""
        m, ev = self.m, self.m.events
        rows = self.rows.get(t.symbol)
        if rows is None:
            rows = self.rows[t.symbol] = m.symbol_rows(t.symbol)
        fills = [(self.events[f.row], f.price) for f in t.fills if self.events[f.row] < k]
        held = t
        while held.flipped_from is not None:
            held = held.flipped_from
        start = self.events[held.first.row]
        tick_events = ev.tick_event[rows]
        lo = int(np.searchsorted(tick_events, start, side="left"))
        hi = int(np.searchsorted(tick_events, k, side="left"))
        if hi <= lo:
            return fills[-1][1]
        ref = m.reference[rows[lo:hi]]
        # The run of equal reference prices the last tick ends: its first tick marked.
        j = len(ref) - 1
        while j > 0 and ref[j - 1] == ref[j]:
            j -= 1
        marked_at = int(tick_events[lo + j])
        later = [p for e, p in fills if e > marked_at]
        return later[-1] if later else q8(float(ref[-1]))

    def position_before(self, t: RoundTrip, k: int) -> Decimal:
        pos = Decimal(0)
        for f, after in zip(t.fills, t.after, strict=True):
            if self.events[f.row] < k:
                pos = after
        return pos


def _expected(
    t: RoundTrip, m: Market, rows: NDArray[np.int64], interval: int, events: dict[int, int]
) -> list[tuple[int, int]]:
    """(funding time, tick row it settles on) for each funding time the trip held: the
    symbol's ticks after the opening fill's event, up to the closing fill's (a tick's funding
    settles before its fills)."""
    first = events[t.first.row]
    last = events[t.fills[-1].row] if t.closed else len(m.events) - 1
    tick_events = m.events.tick_event[rows]
    held = rows[(tick_events > first) & (tick_events <= last)]
    if not len(held):
        return []
    out = []
    ft = (t.first.ts_event // interval + 1) * interval
    ts = m.ts_event[held]
    while ft <= int(ts[-1]):
        k = int(np.searchsorted(ts, ft, side="left"))
        out.append((ft, int(held[k])))
        ft += interval
    return out


def check_funding(
    trips: list[RoundTrip], charges: pd.DataFrame, m: Market, interval: int,
    events: dict[int, int], problem: Problem,
) -> Decimal:  # fmt: skip
    """Checks every charge against the trips it belongs to; returns the real charges' sum."""
    seqs = charges["seq"].to_numpy(dtype=np.int64)
    rates = charges["rate"].to_numpy(dtype=np.float64)
    amounts = charges["amount"].tolist()
    by_key: dict[tuple[int, int, bool], list[int]] = {}
    ids = {n: i for i, n in enumerate(m.symbol_names)}
    for row, (sym, ft, shadow) in enumerate(
        zip(charges["symbol"], charges["funding_time"], charges["shadow"], strict=True)
    ):
        by_key.setdefault((ids.get(str(sym), -1), int(ft), bool(shadow)), []).append(row)
    seen: set[int] = set()
    marks = Marks(m, events)
    # A symbol's real position is charged; its shadow one only while no real one is held.
    real_spans: dict[int, list[tuple[int, int]]] = {}
    for t in trips:
        if not t.shadow and all(f.row in events for f in t.fills):
            end = events[t.fills[-1].row] if t.closed else len(m.events)
            real_spans.setdefault(t.symbol, []).append((events[t.first.row], end))
    rows_of: dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
    for t in trips:
        if any(f.row not in events for f in t.fills):
            continue
        e = t.first
        if e.symbol not in rows_of:
            rows = m.symbol_rows(e.symbol)
            # For each of the symbol's rows, the latest of its rows up to it with a known rate.
            known = np.where(np.isfinite(m.funding_rate[rows]), np.arange(len(rows)), -1)
            rows_of[e.symbol] = (rows, np.maximum.accumulate(known) if len(rows) else known)
        rows, last_known = rows_of[e.symbol]
        for ft, j in _expected(t, m, rows, interval, events):
            at = int(m.events.tick_event[j])
            if t.shadow and any(a < at <= b for a, b in real_spans.get(t.symbol, [])):
                continue
            pos = int(np.searchsorted(rows, j))
            if int(m.ts_event[j]) == ft and np.isfinite(m.funding_rate[j]):
                k = pos
            else:
                k = int(last_known[pos - 1]) if pos > 0 else -1
            if k < 0:
                continue
            rate = float(m.funding_rate[rows[k]])
            qty = marks.position_before(t, at)
            if qty == 0:
                continue
            mark = marks.before(t, at)
            want = funding_amount(qty, mark, rate)
            found = by_key.get((e.symbol, ft, e.shadow), [])
            mine = [r for r in found if r not in seen]
            if not mine:
                problem("funding", e, f"funding time {ft} was held but not charged")
                continue
            r = mine[0]
            seen.add(r)
            t.charges.append(r)
            got = Decimal(str(amounts[r]))
            if int(seqs[r]) != j + 1:
                problem("funding", e, f"funding {ft} charged on tick {seqs[r]}, not {j + 1}")
            if float(rates[r]) != rate:
                problem("funding", e, f"funding {ft} at rate {rates[r]}, {rate} in force")
            if abs(got - want) > E8:
                problem("funding", e, f"funding {ft}: {got} paid, {want} on mark {mark} expected")
    for row in range(len(charges)):
        if row not in seen:
            problem(
                "funding",
                None,
                f"charge {row} at funding time {charges['funding_time'].iat[row]} was not held",
            )
    real = ~charges["shadow"].astype(bool)
    return sum((Decimal(str(a)) for a in charges.loc[real, "amount"]), Decimal(0))
