"""Positions: open positions of a user and each position's history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select, tuple_
from sqlalchemy.orm import Session

from quantum.store.dialect import upsert
from quantum.store.enums import TradeStatus
from quantum.store.models import Position
from quantum.store.records import PositionRecord
from quantum.store.repositories._common import as_connection, chunked, table

__all__ = ["list_positions", "open_positions", "record_positions"]

_KEYS = ["account_id", "symbol", "opened_ts"]
_UPDATE = [c.name for c in Position.__table__.columns if c.name not in ("id", *_KEYS)]


def record_positions(target: Session | Connection, records: Sequence[PositionRecord]) -> None:
    """Write positions' current state, keyed by ``(account_id, symbol, opened_ts)``.

    A CLOSED position is final: a replayed OPEN record for it is ignored.
    """
    if not records:
        return
    conn = as_connection(target)
    keys = list({(r.account_id, r.symbol, r.opened_ts) for r in records})
    closed: set[tuple[int, str, int]] = set()
    key_cols = tuple_(Position.account_id, Position.symbol, Position.opened_ts)
    for chunk in chunked(keys, 300):
        for account_id, symbol, opened_ts in conn.execute(
            select(Position.account_id, Position.symbol, Position.opened_ts).where(
                key_cols.in_(chunk), Position.status == TradeStatus.CLOSED
            )
        ):
            closed.add((account_id, symbol, opened_ts))
    rows = [r.to_row() for r in records if (r.account_id, r.symbol, r.opened_ts) not in closed]
    upsert(conn, table(Position), rows, _KEYS, _UPDATE)


def open_positions(
    session: Session, user_id: int, *, account_id: int | None = None
) -> Sequence[Position]:
    """A user's open positions (all accounts, or one), by account then symbol."""
    stmt = select(Position).where(Position.user_id == user_id, Position.status == TradeStatus.OPEN)
    if account_id is not None:
        stmt = stmt.where(Position.account_id == account_id)
    return session.scalars(stmt.order_by(Position.account_id, Position.symbol)).all()


def list_positions(
    session: Session, user_id: int, *, status: TradeStatus | None = None, limit: int = 100
) -> Sequence[Position]:
    """A user's positions, most recently opened first."""
    stmt = select(Position).where(Position.user_id == user_id)
    if status is not None:
        stmt = stmt.where(Position.status == status)
    return session.scalars(
        stmt.order_by(Position.opened_ts.desc(), Position.id.desc()).limit(limit)
    ).all()
