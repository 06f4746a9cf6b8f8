"""Fills: executions of orders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from quantum.store.dialect import insert_ignore
from quantum.store.models import Fill
from quantum.store.records import FillRecord
from quantum.store.repositories._common import as_connection, table

__all__ = ["list_fills", "record_fills"]


def record_fills(target: Session | Connection, records: Sequence[FillRecord]) -> None:
    """Write fills; a fill whose ``fill_uid`` exists already is skipped (fills never change)."""
    insert_ignore(as_connection(target), table(Fill), [r.to_row() for r in records], ["fill_uid"])


def list_fills(
    session: Session, user_id: int, *, since_ts: int | None = None, limit: int = 100
) -> Sequence[Fill]:
    """A user's most recent fills, newest first."""
    stmt = select(Fill).where(Fill.user_id == user_id)
    if since_ts is not None:
        stmt = stmt.where(Fill.ts_event >= since_ts)
    return session.scalars(stmt.order_by(Fill.ts_event.desc(), Fill.id.desc()).limit(limit)).all()
