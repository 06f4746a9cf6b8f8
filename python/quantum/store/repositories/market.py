"""Market snapshots: price, 24 h volume, funding rate and open interest per exchange and symbol."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from quantum.store.dialect import insert_ignore
from quantum.store.models import MarketSnapshot
from quantum.store.records import MarketSnapshotRecord
from quantum.store.repositories._common import as_connection, table

__all__ = ["latest_market", "market_history", "record_market_snapshots"]


def record_market_snapshots(
    target: Session | Connection, records: Sequence[MarketSnapshotRecord]
) -> None:
    """Write snapshots; one per ``(exchange_id, symbol, ts_event)``."""
    insert_ignore(
        as_connection(target),
        table(MarketSnapshot),
        [r.to_row() for r in records],
        ["exchange_id", "symbol", "ts_event"],
    )


def latest_market(session: Session, exchange_id: str, symbol: str) -> MarketSnapshot | None:
    """The newest snapshot of a symbol on an exchange."""
    return session.scalars(
        select(MarketSnapshot)
        .where(MarketSnapshot.exchange_id == exchange_id, MarketSnapshot.symbol == symbol)
        .order_by(MarketSnapshot.ts_event.desc())
        .limit(1)
    ).first()


def market_history(
    session: Session, exchange_id: str, symbol: str, *, since_ts: int, limit: int = 5000
) -> Sequence[MarketSnapshot]:
    """Snapshots from ``since_ts`` on, oldest first (the price chart)."""
    return session.scalars(
        select(MarketSnapshot)
        .where(
            MarketSnapshot.exchange_id == exchange_id,
            MarketSnapshot.symbol == symbol,
            MarketSnapshot.ts_event >= since_ts,
        )
        .order_by(MarketSnapshot.ts_event)
        .limit(limit)
    ).all()
