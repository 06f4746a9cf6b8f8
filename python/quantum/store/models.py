"""SQLAlchemy 2.0 models of the store (SPEC §10).

Conventions:
- Money, prices and quantities are ``Amount`` (exact decimals, 8 fractional digits); values that
  can grow very large (24 h volumes, balances, equity) use ``Amount(28)``; see ``sqltypes.py``
  for how each is stored on SQLite.
- Trading-event times are int64 nanoseconds since the Unix epoch (UTC) named after their clock
  (``ts_event``, ``entry_ts``...), exactly as the Rust core produces them; bookkeeping times are
  aware UTC datetimes (``UTCDateTime``).
- Every row that belongs to a user carries ``user_id`` (and ``account_id`` where it belongs to one
  trading account), with indexes shaped after the dashboard's queries.
- Events written by the runtime carry a client-generated unique key (``*_uid`` or a natural key),
  so a retried write never duplicates a row.
- Nothing here is dialect-specific; ``sqltypes.py`` maps the portable types per database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Double,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from quantum.store.enums import (
    AccountMode,
    ExchangeType,
    OrderSide,
    Role,
    Side,
    SignalStatus,
    TradeStatus,
)
from quantum.store.sqltypes import Amount, BigIntPK, UTCDateTime

__all__ = [
    "Account",
    "AccountState",
    "BacktestRun",
    "Base",
    "DailyPnl",
    "EquitySnapshot",
    "Exchange",
    "ExchangeCredential",
    "Fill",
    "MarketSnapshot",
    "Position",
    "Signal",
    "SystemStatus",
    "Trade",
    "User",
    "UserSession",
]

# Deterministic constraint names, so migrations can address them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the members' values."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base holding the store's metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {Decimal: Amount(), datetime: UTCDateTime()}


def _user_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def _account_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)


class User(Base):
    """A person who logs in to the dashboard."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: argon2id hash (PHC string); the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.USER)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class UserSession(Base):
    """A login session. Only the SHA-256 of the bearer token is stored, never the token itself.

    Times are the service's local wall clock, int64 ns since the Unix epoch (UTC). A session past
    ``expires_ts`` is refused and purged; logging out deletes the row, and so does deleting the
    user (cascade) or changing their role (``repositories.users.set_role``).
    """

    __tablename__ = "user_sessions"
    __table_args__ = (
        Index("ix_user_sessions_user_id", "user_id"),
        Index("ix_user_sessions_expires_ts", "expires_ts"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    #: Hex SHA-256 of the token (tokens are 256-bit random, so no salt or slow hash is needed).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = _user_fk()
    created_ts: Mapped[int] = mapped_column(BigInteger)
    expires_ts: Mapped[int] = mapped_column(BigInteger)
    #: Refreshed at most once a minute per session, so a busy client does not write per request.
    last_seen_ts: Mapped[int] = mapped_column(BigInteger)


class Account(Base):
    """A user's trading account (paper, live, backtest); the engine keeps one state per account."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    name: Mapped[str] = mapped_column(String(64))
    mode: Mapped[AccountMode] = mapped_column(_enum(AccountMode, "mode"))
    created_at: Mapped[datetime] = mapped_column(default=_now)


class AccountState(Base):
    """The engine's account-level state (equity, peak, day counters, halt) for recovery."""

    __tablename__ = "account_state"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = _user_fk()
    cash: Mapped[Decimal] = mapped_column(Amount(28))
    peak_equity: Mapped[Decimal] = mapped_column(Amount(28))
    #: DRB-Guard kill switch; sticky: only ``recovery.reset_kill_switch`` clears it.
    halted: Mapped[bool] = mapped_column(Boolean)
    halt_reason: Mapped[str | None] = mapped_column(String(255))
    #: UTC day number (days since the epoch, from event time) that ``trades_today`` counts.
    trade_day: Mapped[int] = mapped_column(Integer)
    trades_today: Mapped[int] = mapped_column(Integer)
    realized_pnl: Mapped[Decimal] = mapped_column(Amount(28))
    fees: Mapped[Decimal] = mapped_column(Amount(28))
    funding: Mapped[Decimal] = mapped_column(Amount(28))
    wins: Mapped[int] = mapped_column(Integer)
    losses: Mapped[int] = mapped_column(Integer)
    sum_win: Mapped[Decimal] = mapped_column(Amount(28))
    sum_loss: Mapped[Decimal] = mapped_column(Amount(28))
    #: Each strategy's trade statistics (real and shadow), JSON: what Kelly sizes it from.
    strategy_stats: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    #: Local wall clock (ns) of the last save.
    updated_ts: Mapped[int] = mapped_column(BigInteger)


class Exchange(Base):
    """An exchange (market) the system knows; ``id`` is the ccxt id, e.g. ``binanceusdm``."""

    __tablename__ = "exchanges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[ExchangeType] = mapped_column(_enum(ExchangeType, "type"))
    #: Selected for use by the operator.
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Reachable / supported in this build.
    available: Mapped[bool] = mapped_column(Boolean, default=True)


class ExchangeCredential(Base):
    """An exchange API key of a user, encrypted at rest; only a masked hint is readable."""

    __tablename__ = "exchange_credentials"
    __table_args__ = (UniqueConstraint("user_id", "exchange_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    exchange_id: Mapped[str] = mapped_column(ForeignKey("exchanges.id"))
    label: Mapped[str] = mapped_column(String(64))
    api_key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    api_secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    passphrase_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: e.g. ``****abcd`` — the only part of the key any read path returns.
    key_hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now)


class BacktestRun(Base):
    """A saved backtest: configuration, metrics, and its trades (``trades.backtest_run_id``)."""

    __tablename__ = "backtest_runs"
    __table_args__ = (Index(None, "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_uid: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = _user_fk()
    account_id: Mapped[int] = _account_fk()
    name: Mapped[str] = mapped_column(String(128))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=_now)


class Trade(Base):
    """A round trip: entry, exit, P&L. ``status`` is OPEN until the exit fills."""

    __tablename__ = "trades"
    __table_args__ = (
        # Trade log of a user by time (live/paper trades have backtest_run_id NULL).
        Index("ix_trades_user_run_entry", "user_id", "backtest_run_id", "entry_ts"),
        # The same, filtered by symbol (the trade log's most common filter).
        Index(
            "ix_trades_user_run_symbol_entry", "user_id", "backtest_run_id", "symbol", "entry_ts"
        ),
        # Open live trades of a user (the unfiltered trade count adds them to the daily rollup).
        # All three equality columns, so planners prefer it even when every trade is CLOSED.
        Index("ix_trades_user_status_run", "user_id", "status", "backtest_run_id"),
        Index("ix_trades_account_status", "account_id", "status"),
        # A run's trades (and the index MySQL needs for the foreign key). ``user_id`` second so
        # that, for the trade log, it is exactly as good as the index above: planners then never
        # prefer it and scan every live trade of every user (MariaDB did, 10x slower).
        Index("ix_trades_run_user_entry", "backtest_run_id", "user_id", "entry_ts"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    trade_uid: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = _user_fk()
    account_id: Mapped[int] = _account_fk()
    backtest_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("backtest_runs.id", ondelete="CASCADE")
    )
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side] = mapped_column(_enum(Side, "side"))
    qty: Mapped[Decimal]
    entry_price: Mapped[Decimal]
    exit_price: Mapped[Decimal | None]
    #: Net realised P&L of the round trip (after fees and funding); NULL while open.
    pnl: Mapped[Decimal | None]
    #: P&L relative to the entry cost basis, as a fraction (0.01 = 1 %).
    pnl_pct: Mapped[Decimal | None]
    fees: Mapped[Decimal]
    status: Mapped[TradeStatus] = mapped_column(_enum(TradeStatus, "status"))
    entry_ts: Mapped[int] = mapped_column(BigInteger)
    exit_ts: Mapped[int | None] = mapped_column(BigInteger)
    exit_reason: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Double)
    strategy: Mapped[str | None] = mapped_column(String(64))


class Fill(Base):
    """One execution of an order (simulated in paper mode)."""

    __tablename__ = "fills"
    __table_args__ = (Index("ix_fills_user_ts", "user_id", "ts_event"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    fill_uid: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = _user_fk()
    account_id: Mapped[int] = _account_fk()
    trade_uid: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[OrderSide] = mapped_column(_enum(OrderSide, "side"))
    qty: Mapped[Decimal]
    price: Mapped[Decimal]
    fee: Mapped[Decimal]
    #: ``maker`` or ``taker`` where known.
    liquidity: Mapped[str | None] = mapped_column(String(8))
    ts_event: Mapped[int] = mapped_column(BigInteger)
    ts_recv: Mapped[int | None] = mapped_column(BigInteger)


class Position(Base):
    """One position's life: opened, updated (mark price, unrealised P&L), closed.

    ``(account_id, symbol, opened_ts)`` identifies it — the engine holds one net position per
    symbol and account, so this natural key is also the idempotency key.
    """

    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("account_id", "symbol", "opened_ts"),
        Index("ix_positions_user_status", "user_id", "status"),
        Index("ix_positions_account_status", "account_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    account_id: Mapped[int] = _account_fk()
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side] = mapped_column(_enum(Side, "side"))
    qty: Mapped[Decimal]
    entry_price: Mapped[Decimal]
    current_price: Mapped[Decimal | None]
    unrealized_pnl: Mapped[Decimal | None] = mapped_column(Amount(28))
    leverage: Mapped[float] = mapped_column(Double)
    liquidation_price: Mapped[Decimal | None]
    take_profit: Mapped[Decimal | None]
    stop_loss: Mapped[Decimal | None]
    cost_basis: Mapped[Decimal | None] = mapped_column(Amount(28))
    entry_fee: Mapped[Decimal | None]
    #: Funding paid while open (negative when received), so a restart restores it exactly.
    funding: Mapped[Decimal | None] = mapped_column(Amount(28))
    confidence: Mapped[float | None] = mapped_column(Double)
    strategy: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[TradeStatus] = mapped_column(_enum(TradeStatus, "status"))
    opened_ts: Mapped[int] = mapped_column(BigInteger)
    closed_ts: Mapped[int | None] = mapped_column(BigInteger)
    updated_ts: Mapped[int] = mapped_column(BigInteger)


class Signal(Base):
    """A strategy's signal and what became of it."""

    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_user_status_ts", "user_id", "status", "ts_event"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    signal_uid: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = _user_fk()
    account_id: Mapped[int] = _account_fk()
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[Side] = mapped_column(_enum(Side, "side"))
    price: Mapped[Decimal]
    confidence: Mapped[float] = mapped_column(Double)
    status: Mapped[SignalStatus] = mapped_column(_enum(SignalStatus, "status"))
    reason: Mapped[str] = mapped_column(String(255))
    strategy: Mapped[str | None] = mapped_column(String(64))
    ts_event: Mapped[int] = mapped_column(BigInteger)
    updated_ts: Mapped[int] = mapped_column(BigInteger)


class MarketSnapshot(Base):
    """A periodic market summary per exchange and symbol (written by the runtime every second).

    ``ts_event`` is the exchange time of the newest tick the snapshot includes, ``ts_recv`` the
    local time that tick was received. ``book`` holds the top levels as
    ``{"bids": [[price, qty], ...], "asks": [...]}`` with decimal strings, when the feed has them.
    """

    __tablename__ = "market_snapshots"
    __table_args__ = (UniqueConstraint("exchange_id", "symbol", "ts_event"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    exchange_id: Mapped[str] = mapped_column(ForeignKey("exchanges.id"))
    symbol: Mapped[str] = mapped_column(String(32))
    price: Mapped[Decimal]
    volume_24h: Mapped[Decimal | None] = mapped_column(Amount(28))
    funding_rate: Mapped[Decimal | None]
    open_interest: Mapped[Decimal | None] = mapped_column(Amount(28))
    ts_event: Mapped[int] = mapped_column(BigInteger)
    bid: Mapped[Decimal | None]
    ask: Mapped[Decimal | None]
    bid_qty: Mapped[Decimal | None] = mapped_column(Amount(28))
    ask_qty: Mapped[Decimal | None] = mapped_column(Amount(28))
    book: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ts_recv: Mapped[int | None] = mapped_column(BigInteger)


class SystemStatus(Base):
    """A periodic health sample of the runtime, including the store writer's backlog."""

    __tablename__ = "system_status"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    status_uid: Mapped[str] = mapped_column(String(64), unique=True)
    ts: Mapped[int] = mapped_column(BigInteger, index=True)
    ticks_processed: Mapped[int] = mapped_column(BigInteger)
    ticks_rejected: Mapped[int] = mapped_column(BigInteger)
    signals: Mapped[int] = mapped_column(BigInteger)
    trades: Mapped[int] = mapped_column(BigInteger)
    #: e.g. ``running``, ``stopped``, ``halted``.
    engine_state: Mapped[str] = mapped_column(String(16))
    #: Tick-to-decision latency percentiles, nanoseconds.
    latency_p50_ns: Mapped[int | None] = mapped_column(BigInteger)
    latency_p99_ns: Mapped[int | None] = mapped_column(BigInteger)
    #: Events not yet committed by the store writer when this row was written (memory + spill).
    store_backlog: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Of those, how many sat in the spill file.
    store_spilled: Mapped[int] = mapped_column(BigInteger, default=0)


class EquitySnapshot(Base):
    """A point of an account's equity curve."""

    __tablename__ = "equity_snapshots"
    __table_args__ = (
        UniqueConstraint("account_id", "ts_event"),
        Index("ix_equity_snapshots_user_ts", "user_id", "ts_event"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = _user_fk()
    account_id: Mapped[int] = _account_fk()
    ts_event: Mapped[int] = mapped_column(BigInteger)
    equity: Mapped[Decimal] = mapped_column(Amount(28))
    cash: Mapped[Decimal] = mapped_column(Amount(28))
    unrealized_pnl: Mapped[Decimal] = mapped_column(Amount(28))
    peak_equity: Mapped[Decimal] = mapped_column(Amount(28))


class DailyPnl(Base):
    """Closed live/paper trades rolled up per account and UTC day of exit.

    Maintained in the same transaction that closes a trade, so the performance page reads a few
    hundred day rows instead of scanning every trade.
    """

    __tablename__ = "daily_pnl"
    __table_args__ = (Index("ix_daily_pnl_user_day", "user_id", "day"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    #: Days since the Unix epoch (UTC) of the trades' exit time.
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = _user_fk()
    trades: Mapped[int] = mapped_column(Integer)
    wins: Mapped[int] = mapped_column(Integer)
    losses: Mapped[int] = mapped_column(Integer)
    gross_profit: Mapped[Decimal] = mapped_column(Amount())
    gross_loss: Mapped[Decimal] = mapped_column(Amount())
    pnl: Mapped[Decimal] = mapped_column(Amount())
    fees: Mapped[Decimal] = mapped_column(Amount())
