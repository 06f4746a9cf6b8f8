"""Performance metrics over a user's trades — the one place they are computed.

Inputs are realised P&L per UTC day (``DayPnl``); ``days_from_trades`` builds them from single
trades. Definitions:

- win rate = winning trades / closed trades (a zero-P&L trade is neither a win nor a loss);
- profit factor = gross profit / |gross loss|, ``None`` when there is no loss (undefined);
- Sharpe and Sortino are annualised from daily returns with 365 days (crypto trades every day);
  every calendar day between the first and the last trading day counts, idle days as 0.
  With ``initial_equity`` a day's return is its P&L over the equity at the day's start; without
  it, the P&L itself (the ratio is then that of P&L on a fixed capital). ``None`` with fewer than
  two days or no dispersion;
- max drawdown is the largest fall of equity (``initial_equity`` + cumulative P&L) from its running
  peak, measured at day closes, in money and as a fraction of the peak (fraction only with
  ``initial_equity``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["DayPnl", "PerformanceMetrics", "compute_metrics", "days_from_trades"]

_ZERO = Decimal(0)
_NANOS_PER_DAY = 86_400_000_000_000
_DAYS_PER_YEAR = 365


@dataclass(frozen=True, slots=True)
class DayPnl:
    """Closed trades of one UTC day (days since the epoch)."""

    day: int
    trades: int
    wins: int
    losses: int
    gross_profit: Decimal
    gross_loss: Decimal
    pnl: Decimal
    fees: Decimal = _ZERO


@dataclass(frozen=True, slots=True)
class PerformanceMetrics:
    """The dashboard's performance figures."""

    trades: int
    wins: int
    losses: int
    win_rate: float | None
    total_pnl: Decimal
    gross_profit: Decimal
    gross_loss: Decimal
    fees: Decimal
    profit_factor: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: Decimal
    max_drawdown_pct: float | None
    first_day: int | None
    last_day: int | None


def days_from_trades(trades: Iterable[tuple[int, Decimal, Decimal]]) -> list[DayPnl]:
    """Group closed trades ``(exit_ts ns, pnl, fees)`` into ``DayPnl`` rows, by day."""
    acc: dict[int, list[Decimal | int]] = {}
    for exit_ts, pnl, fees in trades:
        row = acc.setdefault(exit_ts // _NANOS_PER_DAY, [0, 0, 0, _ZERO, _ZERO, _ZERO, _ZERO])
        row[0] = int(row[0]) + 1
        if pnl > 0:
            row[1] = int(row[1]) + 1
            row[3] = Decimal(row[3]) + pnl
        elif pnl < 0:
            row[2] = int(row[2]) + 1
            row[4] = Decimal(row[4]) + pnl
        row[5] = Decimal(row[5]) + pnl
        row[6] = Decimal(row[6]) + fees
    return [
        DayPnl(
            d,
            int(r[0]),
            int(r[1]),
            int(r[2]),
            Decimal(r[3]),
            Decimal(r[4]),
            Decimal(r[5]),
            Decimal(r[6]),
        )
        for d, r in sorted(acc.items())
    ]


def _annualised(values: Sequence[float], downside: bool) -> float | None:
    n = len(values)
    if n < 2:
        return None
    mean = math.fsum(values) / n
    if downside:
        # Sortino: deviation of the losses below zero, over all days.
        dev = math.sqrt(math.fsum(min(v, 0.0) ** 2 for v in values) / (n - 1))
    else:
        dev = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    if dev == 0.0 or not math.isfinite(dev):
        return None
    return mean / dev * math.sqrt(_DAYS_PER_YEAR)


def compute_metrics(
    days: Sequence[DayPnl], *, initial_equity: Decimal | None = None
) -> PerformanceMetrics:
    """Metrics over daily P&L rows (any order; one row per day)."""
    ordered = sorted(days, key=lambda d: d.day)
    trades = sum(d.trades for d in ordered)
    wins = sum(d.wins for d in ordered)
    losses = sum(d.losses for d in ordered)
    gross_profit = sum((d.gross_profit for d in ordered), _ZERO)
    gross_loss = sum((d.gross_loss for d in ordered), _ZERO)
    total = sum((d.pnl for d in ordered), _ZERO)
    fees = sum((d.fees for d in ordered), _ZERO)

    returns: list[float] = []
    start = initial_equity if initial_equity is not None else _ZERO
    equity = start
    peak = start
    max_dd = _ZERO
    max_dd_pct: float | None = 0.0 if initial_equity is not None else None
    if ordered:
        by_day = {d.day: d.pnl for d in ordered}
        for day in range(ordered[0].day, ordered[-1].day + 1):
            pnl = by_day.get(day, _ZERO)
            if initial_equity is not None:
                returns.append(float(pnl / equity) if equity > 0 else math.nan)
            else:
                returns.append(float(pnl))
            equity += pnl
            peak = max(peak, equity)
            drawdown = peak - equity
            if drawdown > max_dd:
                max_dd = drawdown
            if initial_equity is not None and peak > 0 and max_dd_pct is not None:
                max_dd_pct = max(max_dd_pct, float(drawdown / peak))
    finite = [r for r in returns if math.isfinite(r)]
    return PerformanceMetrics(
        trades=trades,
        wins=wins,
        losses=losses,
        win_rate=wins / trades if trades else None,
        total_pnl=total,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
        fees=fees,
        profit_factor=float(gross_profit / -gross_loss) if gross_loss < 0 else None,
        sharpe=_annualised(finite, downside=False) if len(finite) == len(returns) else None,
        sortino=_annualised(finite, downside=True) if len(finite) == len(returns) else None,
        max_drawdown=max_dd,
        max_drawdown_pct=max_dd_pct,
        first_day=ordered[0].day if ordered else None,
        last_day=ordered[-1].day if ordered else None,
    )
