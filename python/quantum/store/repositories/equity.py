"""Equity snapshots: the equity curve of an account."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from quantum.store.dialect import insert_ignore
from quantum.store.models import EquitySnapshot
from quantum.store.records import EquityRecord
from quantum.store.repositories._common import as_connection, table

__all__ = ["equity_curve", "record_equity"]


def record_equity(target: Session | Connection, records: Sequence[EquityRecord]) -> None:
    """Write equity points; a point already stored for ``(account_id, ts_event)`` is kept."""
    insert_ignore(
        as_connection(target),
        table(EquitySnapshot),
        [r.to_row() for r in records],
        ["account_id", "ts_event"],
    )


def equity_curve(
    session: Session,
    user_id: int,
    account_id: int,
    *,
    since_ts: int | None = None,
    until_ts: int | None = None,
    limit: int = 10_000,
) -> Sequence[EquitySnapshot]:
    """An account's equity points in time order (only if the account is the user's)."""
    stmt = select(EquitySnapshot).where(
        EquitySnapshot.user_id == user_id, EquitySnapshot.account_id == account_id
    )
    if since_ts is not None:
        stmt = stmt.where(EquitySnapshot.ts_event >= since_ts)
    if until_ts is not None:
        stmt = stmt.where(EquitySnapshot.ts_event < until_ts)
    return session.scalars(stmt.order_by(EquitySnapshot.ts_event).limit(limit)).all()
