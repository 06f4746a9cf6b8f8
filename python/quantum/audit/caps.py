"""DRB-Guard's caps at each real opening fill, and the equity identity, from the auditor's own
ledger.

Equity at any event is capital + realised − fees − funding + unrealised, each summed from the
fills and funding payments before it, unrealised at each open position's mark. At each real
fill that opens or adds to a position, the position's notional then (its size at the fill's
price) must be within ``max_position_notional`` of that equity — DRB-Guard checked it with the
working orders at the decision, so the position it allowed cannot exceed it, save for the
price moving between decision and fill, which the check allows for (``_DRIFT``); the round
trips opened on one UTC day of their opening fill's exchange time within the daily cap; the
symbols with a position within their cap. At the end, the result's equity and totals must be
what the ledger says, to 10⁻⁸.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from quantum.audit.funding import Marks
from quantum.audit.ledger import E8, Fill, RoundTrip, q8
from quantum.audit.market import Market
from quantum.engine import EngineConfig

__all__ = ["check_caps", "check_equity"]

Problem = Callable[[str, Fill | None, str], None]
_DAY_NS = 86_400 * 1_000_000_000
#: How far the price may move between an entry's decision and its fill, as a fraction.
_DRIFT = Decimal("0.02")


def _unrealised(t: RoundTrip, marks: Marks, k: int) -> Decimal:
    """``t``'s unrealised P&L just before event ``k``."""
    n = max((j for j, f in enumerate(t.fills) if marks.events[f.row] < k), default=-1)
    return Decimal(0) if n < 0 else t.unrealised(n, marks.before(t, k))


def _charges(charges: Any, m: Market) -> list[tuple[int, Decimal]]:
    """Real funding payments as (event, amount), in order."""
    out = []
    for seq, amount, sh in zip(charges["seq"], charges["amount"], charges["shadow"], strict=True):
        if not bool(sh):
            out.append((int(m.events.tick_event[int(seq) - 1]), Decimal(str(amount))))
    out.sort(key=lambda x: x[0])
    return out


def check_caps(
    trips: list[RoundTrip], charges: Any, m: Market, c: EngineConfig, events: dict[int, int],
    problem: Problem,
) -> None:  # fmt: skip
    """Notional, daily and open-position caps at every real opening fill."""
    real = [t for t in trips if not t.shadow and all(f.row in events for f in t.fills)]
    r = c.risk
    per_day: dict[int, int] = {}
    for t in real:
        day = t.first.ts_event // _DAY_NS
        per_day[day] = per_day.get(day, 0) + 1
        if per_day[day] == r.max_trades_per_day + 1:
            problem("daily_cap", t.first, f"round trip {per_day[day]} of UTC day {day}, "
                    f"cap {r.max_trades_per_day}")  # fmt: skip
    steps = sorted(
        ((events[f.row], f.row, t, n) for t in real for n, f in enumerate(t.fills)),
        key=lambda s: (s[0], s[1]),
    )
    flows = _charges(charges, m)
    marks = Marks(m, events)
    cash = q8(c.initial_capital)
    nxt = 0
    open_: dict[int, RoundTrip] = {}
    for k, _, t, n in steps:
        while nxt < len(flows) and flows[nxt][0] <= k:
            cash -= flows[nxt][1]
            nxt += 1
        f = t.fills[n]
        if f.opens:
            equity = cash + sum(
                (_unrealised(o, marks, k) for o in open_.values() if o is not t), Decimal(0)
            )
            if t in open_.values():
                equity += _unrealised(t, marks, k)
            size = abs(t.after[n])
            notional = q8(size * f.price)
            cap = q8(equity * Decimal(repr(r.max_position_notional)))
            if notional > cap * (1 + _DRIFT) + E8:
                problem("notional_cap", f, f"position {notional} above {r.max_position_notional} "
                        f"of equity {equity}")  # fmt: skip
            open_[t.symbol] = t
            if len(open_) > r.max_open_positions:
                problem("open_positions", f, f"{len(open_)} positions, cap {r.max_open_positions}")
        cash += t.gross[n] - f.fee
        if t.after[n] == 0:
            open_.pop(t.symbol, None)
    if real and c.execution.leverage > r.max_leverage:
        problem("leverage_cap", real[0].first, f"leverage {c.execution.leverage} above "
                f"{r.max_leverage}")  # fmt: skip


def check_equity(
    trips: list[RoundTrip], funding: Decimal, m: Market, metrics: dict[str, Any],
    c: EngineConfig, events: dict[int, int], problem: Problem,
) -> None:  # fmt: skip
    """The result's final equity and totals against capital + realised − fees − funding +
    unrealised from the ledger (realised: every reduction's; ``total_pnl``: the closed round
    trips')."""
    real = [t for t in trips if not t.shadow]
    realised = sum((t.realised() for t in real), Decimal(0))
    # ``total_pnl`` is the closed round trips'; an open one's reductions are in equity.
    closed = sum((t.realised() for t in real if t.closed), Decimal(0))
    fees = sum((f.fee for t in real for f in t.fills), Decimal(0))
    marks = Marks(m, events)
    end = len(m.events)
    unrealised = sum(
        (
            _unrealised(t, marks, end)
            for t in real
            if not t.closed and all(f.row in events for f in t.fills)
        ),
        Decimal(0),
    )
    equity = q8(c.initial_capital) + realised - fees - funding + unrealised
    checks = {
        "final_equity": equity,
        "total_pnl": closed,
        "fees": fees,
        "funding": funding,
        "unrealized_pnl": unrealised,
    }
    for key, want in checks.items():
        got = Decimal(str(metrics[key]))
        if abs(got - want) > E8:
            problem("equity_identity", None, f"{key} is {got}; the ledger gives {want}")
