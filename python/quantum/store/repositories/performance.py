"""The performance page: metrics over a user's closed live/paper trades, from the daily rollup."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quantum.store.metrics import DayPnl, PerformanceMetrics, compute_metrics
from quantum.store.models import DailyPnl

__all__ = ["daily_pnl", "performance"]


def daily_pnl(session: Session, user_id: int, *, account_id: int | None = None) -> list[DayPnl]:
    """Realised P&L per UTC day of a user's closed trades (one account, or all summed)."""
    cols = (
        DailyPnl.day,
        func.sum(DailyPnl.trades),
        func.sum(DailyPnl.wins),
        func.sum(DailyPnl.losses),
        func.sum(DailyPnl.gross_profit),
        func.sum(DailyPnl.gross_loss),
        func.sum(DailyPnl.pnl),
        func.sum(DailyPnl.fees),
    )
    stmt = select(*cols).where(DailyPnl.user_id == user_id)
    if account_id is not None:
        stmt = stmt.where(DailyPnl.account_id == account_id)
    rows = session.execute(stmt.group_by(DailyPnl.day).order_by(DailyPnl.day)).all()
    return [
        DayPnl(int(d), int(t), int(w), int(lo), Decimal(gp), Decimal(gl), Decimal(p), Decimal(f))
        for d, t, w, lo, gp, gl, p, f in rows
    ]


def performance(
    session: Session,
    user_id: int,
    *,
    account_id: int | None = None,
    initial_equity: Decimal | None = None,
) -> PerformanceMetrics:
    """Win rate, total P&L, profit factor, Sharpe, Sortino and max drawdown of a user's trades."""
    return compute_metrics(
        daily_pnl(session, user_id, account_id=account_id), initial_equity=initial_equity
    )
