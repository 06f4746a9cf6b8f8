"""System status samples, including the store writer's backlog."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from quantum.store.dialect import insert_ignore
from quantum.store.models import SystemStatus
from quantum.store.records import StatusRecord
from quantum.store.repositories._common import as_connection, table

__all__ = ["latest_status", "record_status", "status_history"]


def record_status(
    target: Session | Connection,
    records: Sequence[StatusRecord],
    *,
    store_backlog: int = 0,
    store_spilled: int = 0,
) -> None:
    """Write status samples (skipping known ``status_uid``), stamped with the writer's backlog."""
    rows = [
        {**r.to_row(), "store_backlog": store_backlog, "store_spilled": store_spilled}
        for r in records
    ]
    insert_ignore(as_connection(target), table(SystemStatus), rows, ["status_uid"])


def latest_status(session: Session) -> SystemStatus | None:
    """The most recent status sample."""
    return session.scalars(
        select(SystemStatus).order_by(SystemStatus.ts.desc(), SystemStatus.id.desc()).limit(1)
    ).first()


def status_history(session: Session, *, since_ts: int, limit: int = 1000) -> Sequence[SystemStatus]:
    """Status samples from ``since_ts`` on, oldest first."""
    return session.scalars(
        select(SystemStatus)
        .where(SystemStatus.ts >= since_ts)
        .order_by(SystemStatus.ts, SystemStatus.id)
        .limit(limit)
    ).all()
