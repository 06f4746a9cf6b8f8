"""Funding, rebuilt from the ticks: a position pays (or receives) at each funding time it is
open through — the multiples of the funding interval after its entry fill, settled on the
symbol's first accepted tick at or after each one, before that tick's fills — at the rate in
force then (the latest known at or before the funding time) on the position's last mark."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd

from quantum.audit.ledger import E8, Fill, RoundTrip, q8
from quantum.audit.market import Market

__all__ = ["check_funding", "funding_amount"]

Problem = Callable[[str, Fill | None, str], None]


def _rate8(rate: float) -> Decimal:
    """A rate at 10⁻⁸ as the engine rounds it (half away from zero)."""
    units = math.floor(abs(rate) * 1e8 + 0.5)
    return Decimal(int(math.copysign(units, rate))) * E8


def funding_amount(qty: Decimal, mark: Decimal, rate: float) -> Decimal:
    """One payment: the signed value at the mark, rounded once, times the rate, rounded once."""
    return q8(q8(qty * mark) * _rate8(rate))


def _expected(t: RoundTrip, m: Market, rows: np.ndarray, interval: int) -> list[tuple[int, int]]:
    """(funding time, row it settles on) for each funding time the trip held."""
    e = t.entry
    last = t.exit.seq - 1 if t.exit is not None else len(m) - 1
    held = rows[(rows > e.seq - 1) & (rows <= last)]
    if not len(held):
        return []
    out = []
    ft = (e.ts_event // interval + 1) * interval
    ts = m.ts_event[held]
    while ft <= int(ts[-1]):
        k = int(np.searchsorted(ts, ft, side="left"))
        out.append((ft, int(held[k])))
        ft += interval
    return out


def check_funding(
    trips: list[RoundTrip], charges: pd.DataFrame, m: Market, interval: int, problem: Problem
) -> Decimal:
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
    reference = m.reference
    rows_of: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for t in trips:
        e = t.entry
        if e.symbol not in rows_of:
            rows = m.symbol_rows(e.symbol)
            # For each of the symbol's rows, the latest of its rows up to it with a known rate.
            known = np.where(np.isfinite(m.funding_rate[rows]), np.arange(len(rows)), -1)
            rows_of[e.symbol] = (rows, np.maximum.accumulate(known) if len(rows) else known)
        rows, last_known = rows_of[e.symbol]
        for ft, j in _expected(t, m, rows, interval):
            pos = int(np.searchsorted(rows, j))
            if int(m.ts_event[j]) == ft and np.isfinite(m.funding_rate[j]):
                k = pos
            else:
                k = int(last_known[pos - 1]) if pos > 0 else -1
            if k < 0:
                continue
            rate = float(m.funding_rate[rows[k]])
            mark = q8(float(reference[rows[pos - 1]]))
            qty = e.qty if e.buy else -e.qty
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
