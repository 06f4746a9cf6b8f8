"""Exchanges the system knows, and which of them the operator selected."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from quantum.errors import DataError
from quantum.store.enums import ExchangeType
from quantum.store.models import Exchange

__all__ = ["DEFAULT_EXCHANGES", "list_exchanges", "set_exchange_active", "upsert_exchange"]

#: Seeded by the first migration: (ccxt id, name, type). Perpetual futures are ``swap`` in ccxt.
DEFAULT_EXCHANGES: tuple[tuple[str, str, ExchangeType], ...] = (
    ("binanceusdm", "Binance USD-M Futures", ExchangeType.SWAP),
    ("bybit", "Bybit", ExchangeType.SWAP),
    ("okx", "OKX", ExchangeType.SWAP),
    ("krakenfutures", "Kraken Futures", ExchangeType.SWAP),
)


def list_exchanges(session: Session, *, active_only: bool = False) -> Sequence[Exchange]:
    """Known exchanges by id."""
    stmt = select(Exchange)
    if active_only:
        stmt = stmt.where(Exchange.active.is_(True))
    return session.scalars(stmt.order_by(Exchange.id)).all()


def upsert_exchange(
    session: Session,
    exchange_id: str,
    name: str,
    type: ExchangeType,
    *,
    available: bool = True,
) -> Exchange:
    """Add an exchange or update its name, type and availability."""
    row = session.get(Exchange, exchange_id)
    if row is None:
        row = Exchange(id=exchange_id, active=False)
        session.add(row)
    row.name = name
    row.type = ExchangeType(type)
    row.available = available
    session.flush()
    return row


def set_exchange_active(session: Session, exchange_id: str, active: bool) -> Exchange:
    """Select or deselect an exchange; ``DataError`` if unknown."""
    row = session.get(Exchange, exchange_id)
    if row is None:
        raise DataError(f"unknown exchange {exchange_id!r}")
    row.active = active
    return row
