"""Trades: round trips, their log, and the daily P&L rollup that closing a trade maintains."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from quantum.store.dialect import increment, upsert
from quantum.store.enums import TradeStatus
from quantum.store.models import DailyPnl, Trade
from quantum.store.records import TradeRecord
from quantum.store.repositories._common import as_connection, chunked, table, utc_day

__all__ = ["count_trades", "list_trades", "record_trades"]

_KEY = "trade_uid"
_UPDATE = [c.name for c in Trade.__table__.columns if c.name not in ("id", _KEY)]
_ZERO = Decimal(0)


def record_trades(target: Session | Connection, records: Sequence[TradeRecord]) -> None:
    """Write trades' current state, keyed by ``trade_uid``.

    A CLOSED trade is final: a replayed OPEN record for it is ignored, so a retry never reopens it.
    A live/paper trade that becomes CLOSED here is added to ``daily_pnl`` in the same transaction,
    exactly once (a trade already CLOSED in the table is not counted again).
    """
    if not records:
        return
    conn = as_connection(target)
    uids = list({r.trade_uid for r in records})
    closed_before: set[str] = set()
    for chunk in chunked(uids, 500):
        closed_before.update(
            conn.scalars(
                select(Trade.trade_uid).where(
                    Trade.trade_uid.in_(chunk), Trade.status == TradeStatus.CLOSED
                )
            )
        )
    rows = [r.to_row() for r in records if r.trade_uid not in closed_before]
    upsert(conn, table(Trade), rows, [_KEY], _UPDATE)

    newly_closed: dict[str, TradeRecord] = {}
    for r in records:
        if (
            r.status is TradeStatus.CLOSED
            and r.backtest_run_id is None
            and r.trade_uid not in closed_before
        ):
            newly_closed.setdefault(r.trade_uid, r)
    _roll_up(conn, newly_closed.values())


def _roll_up(conn: Connection, closed: Any) -> None:
    days: dict[tuple[int, int], dict[str, Any]] = defaultdict(
        lambda: {
            "trades": 0,
            "wins": 0,
            "losses": 0,
            "gross_profit": _ZERO,
            "gross_loss": _ZERO,
            "pnl": _ZERO,
            "fees": _ZERO,
        }
    )
    for r in closed:
        assert r.exit_ts is not None and r.pnl is not None
        row = days[(r.account_id, utc_day(r.exit_ts))]
        row["user_id"] = r.user_id
        row["trades"] += 1
        row["pnl"] += r.pnl
        row["fees"] += r.fees
        if r.pnl > 0:
            row["wins"] += 1
            row["gross_profit"] += r.pnl
        elif r.pnl < 0:
            row["losses"] += 1
            row["gross_loss"] += r.pnl
    rows = [{"account_id": a, "day": d, **v} for (a, d), v in sorted(days.items())]
    increment(
        conn,
        table(DailyPnl),
        rows,
        ["account_id", "day"],
        ["trades", "wins", "losses", "gross_profit", "gross_loss", "pnl", "fees"],
    )


def _filtered(
    stmt: Select[Any],
    user_id: int,
    account_id: int | None,
    backtest_run_id: int | None,
    symbol: str | None,
    status: TradeStatus | None,
    since_ts: int | None,
    until_ts: int | None,
) -> Select[Any]:
    stmt = stmt.where(Trade.user_id == user_id)
    # NULL selects live/paper trades; the index (user_id, backtest_run_id, entry_ts) serves both.
    stmt = stmt.where(
        Trade.backtest_run_id.is_(None)
        if backtest_run_id is None
        else Trade.backtest_run_id == backtest_run_id
    )
    if account_id is not None:
        stmt = stmt.where(Trade.account_id == account_id)
    if symbol is not None:
        stmt = stmt.where(Trade.symbol == symbol)
    if status is not None:
        stmt = stmt.where(Trade.status == status)
    if since_ts is not None:
        stmt = stmt.where(Trade.entry_ts >= since_ts)
    if until_ts is not None:
        stmt = stmt.where(Trade.entry_ts < until_ts)
    return stmt


def list_trades(
    session: Session,
    user_id: int,
    *,
    account_id: int | None = None,
    backtest_run_id: int | None = None,
    symbol: str | None = None,
    status: TradeStatus | None = None,
    since_ts: int | None = None,
    until_ts: int | None = None,
    before: tuple[int, int] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[Trade]:
    """The trade log of a user, newest entry first, filtered and paginated.

    ``backtest_run_id=None`` means live/paper trades; pass a run's id for its trades. Page with
    ``offset``, or — constant time however deep — with ``before=(entry_ts, id)`` of the last
    trade of the previous page.
    """
    stmt = _filtered(
        select(Trade), user_id, account_id, backtest_run_id, symbol, status, since_ts, until_ts
    )
    if before is not None:
        ts, row_id = before
        # The redundant ``entry_ts <= ts`` lets MySQL-family planners seek into the index
        # instead of filtering from the newest row on (they do not derive it from the OR).
        stmt = stmt.where(
            Trade.entry_ts <= ts,
            or_(Trade.entry_ts < ts, and_(Trade.entry_ts == ts, Trade.id < row_id)),
        )
    stmt = stmt.order_by(Trade.entry_ts.desc(), Trade.id.desc()).limit(limit).offset(offset)
    return session.scalars(stmt).all()


def count_trades(
    session: Session,
    user_id: int,
    *,
    account_id: int | None = None,
    backtest_run_id: int | None = None,
    symbol: str | None = None,
    status: TradeStatus | None = None,
    since_ts: int | None = None,
    until_ts: int | None = None,
    cap: int | None = None,
) -> int:
    """How many trades ``list_trades`` would page through.

    Without symbol or time filters, live/paper counts come from the daily rollup (closed trades)
    plus an indexed count of open ones: the cost does not grow with the number of trades. With
    filters the matching index range is counted; ``cap`` bounds that work (the answer is then
    ``min(count, cap)``, for "10,000+" style pagination).
    """
    if backtest_run_id is None and symbol is None and since_ts is None and until_ts is None:
        total = 0
        if status is not TradeStatus.OPEN:
            closed = select(func.coalesce(func.sum(DailyPnl.trades), 0)).where(
                DailyPnl.user_id == user_id
            )
            if account_id is not None:
                closed = closed.where(DailyPnl.account_id == account_id)
            total += int(session.scalar(closed) or 0)
        if status is not TradeStatus.CLOSED:
            open_ = (
                select(func.count())
                .select_from(Trade)
                .where(
                    Trade.user_id == user_id,
                    Trade.status == TradeStatus.OPEN,
                    Trade.backtest_run_id.is_(None),
                )
            )
            if account_id is not None:
                open_ = open_.where(Trade.account_id == account_id)
            total += int(session.scalar(open_) or 0)
        return total if cap is None else min(total, cap)
    rows = _filtered(
        select(Trade.id), user_id, account_id, backtest_run_id, symbol, status, since_ts, until_ts
    )
    if cap is not None:
        rows = rows.limit(cap)
    return int(session.scalar(select(func.count()).select_from(rows.subquery())) or 0)
