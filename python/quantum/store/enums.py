"""The closed vocabularies stored in the database (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AccountMode",
    "ExchangeType",
    "OrderSide",
    "Role",
    "Side",
    "SignalStatus",
    "TradeStatus",
]


class Role(StrEnum):
    """A user's role: admins may reset kill switches and manage other users."""

    ADMIN = "admin"
    USER = "user"


class AccountMode(StrEnum):
    """What an account trades: simulated fills on live data, real orders, or a backtest."""

    PAPER = "paper"
    LIVE = "live"
    BACKTEST = "backtest"


class Side(StrEnum):
    """Direction of a position, trade or signal."""

    LONG = "LONG"
    SHORT = "SHORT"


class OrderSide(StrEnum):
    """Direction of an order or fill."""

    BUY = "BUY"
    SELL = "SELL"


class TradeStatus(StrEnum):
    """A trade (or position) is open until its exit fills."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class SignalStatus(StrEnum):
    """Life cycle of a strategy signal."""

    PENDING = "PENDING"
    EXECUTED = "EXECUTED"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"


class ExchangeType(StrEnum):
    """Market type an exchange entry trades."""

    SPOT = "spot"
    FUTURES = "futures"
    SWAP = "swap"
