"""DRB-Guard's caps at each real entry, and the equity identity, from the auditor's own ledger.

Equity at any tick is capital + realised − fees − funding + unrealised, each summed from the
fills and funding payments up to that tick, unrealised at each open position's last mark (the
reference price of its symbol's latest accepted tick). At each real entry's decision the entry's
notional (its size at the decision tick's price) must be within the cap of that equity; the
entries of one UTC day of exchange time within the daily cap; the open positions within their
cap. At the end, the result's equity and totals must be what the ledger says, to 10⁻⁸.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np

from quantum.audit.ledger import E8, Fill, RoundTrip, q8
from quantum.audit.market import Market
from quantum.engine import EngineConfig

__all__ = ["check_caps", "check_equity"]

Problem = Callable[[str, Fill | None, str], None]
_DAY_NS = 86_400 * 1_000_000_000


def _gross(t: RoundTrip) -> Decimal:
    assert t.exit is not None
    return (q8(t.entry.qty * t.exit.price) - q8(t.entry.qty * t.entry.price)) * t.sign


class _Marks:
    """The reference price of each symbol's latest accepted tick at or before a row."""

    def __init__(self, m: Market) -> None:
        self.m, self.ref = m, m.reference
        self.rows: dict[int, np.ndarray] = {}

    def at(self, symbol: int, row: int) -> Decimal:
        rows = self.rows.get(symbol)
        if rows is None:
            rows = self.rows[symbol] = self.m.symbol_rows(symbol)
        k = int(np.searchsorted(rows, row, side="right")) - 1
        return q8(float(self.ref[rows[k]]))


def _unrealised(t: RoundTrip, mark: Decimal) -> Decimal:
    return (q8(t.entry.qty * mark) - q8(t.entry.qty * t.entry.price)) * t.sign


def check_caps(
    trips: list[RoundTrip], charges: Any, m: Market, c: EngineConfig, problem: Problem
) -> None:
    """Notional, daily and open-position caps at every real entry."""
    real = [t for t in trips if not t.entry.shadow]
    r = c.risk
    capital = q8(c.initial_capital)
    marks = _Marks(m)
    # Cash flows in tick order: (row, realised, fee, funding).
    flows: list[tuple[int, Decimal, Decimal, Decimal]] = []
    for t in real:
        flows.append((t.entry.seq - 1, Decimal(0), t.entry.fee, Decimal(0)))
        if t.exit is not None:
            flows.append((t.exit.seq - 1, _gross(t), t.exit.fee, Decimal(0)))
    shadow = charges["shadow"].astype(bool).to_numpy()
    for seq, amount, sh in zip(charges["seq"], charges["amount"], shadow, strict=True):
        if not sh:
            flows.append((int(seq) - 1, Decimal(0), Decimal(0), Decimal(str(amount))))
    flows.sort(key=lambda x: x[0])
    rows = np.array([f[0] for f in flows], dtype=np.int64)
    cum: list[Decimal] = []
    total = Decimal(0)
    for f in flows:
        total += f[1] - f[2] - f[3]
        cum.append(total)
    per_day: dict[int, int] = {}
    by_entry = sorted(real, key=lambda o: o.entry.seq)
    active: list[RoundTrip] = []
    nxt = 0
    for t in sorted(real, key=lambda o: o.entry.decided_seq):
        e = t.entry
        d = e.decided_seq - 1
        day = int(m.ts_event[d]) // _DAY_NS
        per_day[day] = per_day.get(day, 0) + 1
        if per_day[day] > r.max_trades_per_day:
            problem(
                "daily_cap", e, f"entry {per_day[day]} of UTC day {day}, cap {r.max_trades_per_day}"
            )
        # The positions open at the decision: entered at or before it, not yet exited.
        while nxt < len(by_entry) and by_entry[nxt].entry.seq - 1 <= d:
            active.append(by_entry[nxt])
            nxt += 1
        active = [o for o in active if o.exit is None or o.exit.seq - 1 > d]
        k = int(np.searchsorted(rows, d, side="right"))
        equity = capital + (cum[k - 1] if k else Decimal(0))
        for o in active:
            equity += _unrealised(o, marks.at(o.entry.symbol, d))
        notional = q8(e.qty * q8(float(m.reference[d])))
        cap = q8(equity * Decimal(repr(r.max_position_notional)))
        if notional > cap + E8:
            problem(
                "notional_cap",
                e,
                f"notional {notional} above {r.max_position_notional} of equity {equity}",
            )
        # Open once this entry fills: the ones still open then, and itself.
        open_now = 1 + sum(
            1 for o in active if o is not t and (o.exit is None or o.exit.seq > e.seq)
        )
        if open_now > r.max_open_positions:
            problem("open_positions", e, f"{open_now} positions open, cap {r.max_open_positions}")
    if real and c.execution.leverage > r.max_leverage:
        problem(
            "leverage_cap", real[0].entry, f"leverage {c.execution.leverage} above {r.max_leverage}"
        )


def check_equity(
    trips: list[RoundTrip], funding: Decimal, m: Market, metrics: dict[str, Any], c: EngineConfig,
    problem: Problem,
) -> None:  # fmt: skip
    """The result's final equity and totals against capital + realised − fees − funding +
    unrealised from the ledger."""
    real = [t for t in trips if not t.entry.shadow]
    realised = sum((_gross(t) for t in real if t.exit is not None), Decimal(0))
    fees = sum((t.entry.fee + (t.exit.fee if t.exit else 0) for t in real), Decimal(0))
    marks = _Marks(m)
    unrealised = sum(
        (_unrealised(t, marks.at(t.entry.symbol, len(m) - 1)) for t in real if t.exit is None),
        Decimal(0),
    )
    equity = q8(c.initial_capital) + realised - fees - funding + unrealised
    checks = {
        "final_equity": equity,
        "total_pnl": realised,
        "fees": fees,
        "funding": funding,
        "unrealized_pnl": unrealised,
    }
    for key, want in checks.items():
        got = Decimal(str(metrics[key]))
        if abs(got - want) > E8:
            problem("equity_identity", None, f"{key} is {got}; the ledger gives {want}")
