"""Request and response schemas of the API (docs/api.md). Store rows are never returned directly.

Money, prices and sizes are exact decimal strings; times are integer nanoseconds (``ts_*``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from quantum.engine import EngineConfig, RiskConfig

Dec = str
Role = Literal["admin", "user"]
SideName = Literal["LONG", "SHORT"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserPublic(BaseModel):
    id: int
    username: str
    role: Role
    #: A disabled user cannot log in (their sessions ended when they were disabled).
    active: bool = True


class LoginOut(BaseModel):
    user: UserPublic
    token: str


class UserCreate(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=1024)
    role: Role = "user"


class UserUpdate(_In):
    """What an admin may change about a user; omitted fields stay as they are."""

    role: Role | None = None
    active: bool | None = None


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    engine: Literal["running", "stopped"]


class LatencyUs(BaseModel):
    p50: float
    p99: float


class BookStatus(BaseModel):
    """One symbol's L2 book on an exchange feed, checked by the core with the venue's rule."""

    valid: bool
    gaps: int
    checksum_failures: int
    book_errors: int
    resyncs: int
    snapshots: int
    updates: int
    dropped: int
    buffered: int
    last_error: str | None
    resync_requests: int


class FeedStatus(BaseModel):
    """An exchange feed's state: connection, book validity, gaps and resyncs (all symbols)."""

    connected: bool
    native_book: bool
    books_valid: bool | None
    gaps: int
    checksum_failures: int
    resyncs: int
    retries: int
    books: dict[str, BookStatus]


class SystemStatus(BaseModel):
    engine_state: Literal["running", "stopped", "halted"]
    feed_connected: bool
    feed: str
    feed_status: FeedStatus | None = None
    ticks_processed: int
    ticks_rejected: int
    signals: int
    trades: int
    writer_backlog: int
    latency_us: LatencyUs
    uptime_s: float


class TradePublic(BaseModel):
    id: str
    symbol: str
    side: SideName
    size: Dec
    entry_price: Dec
    exit_price: Dec | None
    pnl: Dec | None
    pnl_pct: Dec | None
    fees: Dec
    status: Literal["OPEN", "CLOSED"]
    entry_ts: int
    exit_ts: int | None
    exit_reason: str | None
    confidence: float | None
    strategy: str | None


class TradePage(BaseModel):
    items: list[TradePublic]
    total: int


class PositionPublic(BaseModel):
    id: str
    symbol: str
    side: SideName
    size: Dec
    entry_price: Dec
    current_price: Dec | None
    unrealized_pnl: Dec | None
    leverage: float
    liquidation_price: Dec | None
    take_profit: Dec | None
    stop_loss: Dec | None
    opened_ts: int
    closed_ts: int | None


class SignalPublic(BaseModel):
    id: str
    symbol: str
    side: SideName
    price: Dec
    confidence: float
    strategy: str | None
    reason: str
    status: Literal["PENDING", "EXECUTED", "EXPIRED", "REJECTED"]
    ts: int


class SignalPage(BaseModel):
    items: list[SignalPublic]
    total: int


class HeatCell(BaseModel):
    weekday: int = Field(ge=0, le=6)
    hour: int = Field(ge=0, le=23)
    pnl: Dec


class Performance(BaseModel):
    total_trades: int
    win_rate: float
    total_pnl: Dec
    profit_factor: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: Dec
    heatmap: list[HeatCell]


class EquityPoint(BaseModel):
    ts: int
    equity: Dec


class RiskPublic(BaseModel):
    equity: Dec
    peak_equity: Dec
    drawdown: float
    max_drawdown: float
    risk_level: Literal["Low", "Medium", "High", "Critical"]
    halted: bool
    halt_reason: str | None
    trades_today: int
    limits: RiskConfig
    positions: list[PositionPublic]


class Book(BaseModel):
    bids: list[list[Dec]]
    asks: list[list[Dec]]


class MarketPublic(BaseModel):
    exchange: str
    symbol: str
    price: Dec | None
    bid: Dec | None
    ask: Dec | None
    funding_rate: Dec | None
    volume_24h: Dec | None
    open_interest: Dec | None
    ts: int
    book: Book


class PricePoint(BaseModel):
    ts: int
    price: Dec | None


class ExchangePublic(BaseModel):
    id: str
    name: str
    type: Literal["spot", "futures", "swap"]
    active: bool
    available: bool
    symbols: list[str]


class BacktestCreate(_In):
    data: str = Field("synthetic", min_length=1, max_length=128)
    ticks: int = Field(200_000, ge=100, le=5_000_000)
    seed: int = Field(7, ge=0, le=2**32 - 1)
    config: EngineConfig | None = None


class BacktestPublic(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0, le=1)
    config: dict[str, Any]
    metrics: dict[str, Any] | None
    error: str | None
    created_at: datetime


class CredentialCreate(_In):
    exchange: str = Field(min_length=1, max_length=32)
    label: str = Field("default", min_length=1, max_length=64)
    api_key: str = Field(min_length=1, max_length=512)
    secret: str = Field(min_length=1, max_length=512)


class CredentialPublic(BaseModel):
    id: int
    exchange: str
    label: str
    key_hint: str
    created_at: datetime


class OrderCreate(_In):
    symbol: str = Field(min_length=1, max_length=32)
    side: SideName
    qty: Decimal | None = Field(None, gt=0, max_digits=28, decimal_places=8)
    leverage: float | None = Field(None, ge=1, le=125)

    @field_validator("qty", mode="before")
    @classmethod
    def _qty_string(cls, value: Any) -> Any:
        if isinstance(value, float):
            raise ValueError("qty must be a decimal string")
        return value


class LiveOrderPublic(BaseModel):
    """What the venue said about a live order (absent for paper orders)."""

    status: Literal["filled", "open"]
    client_order_id: str | None
    order_id: str | None
    filled: Dec | None
    average: Dec | None
    reconciled: bool


class OrderPublic(BaseModel):
    symbol: str
    side: SideName
    qty: Dec
    live: LiveOrderPublic | None = None


class OrderOut(BaseModel):
    order: OrderPublic
    signal: SignalPublic | None = None


class ClosedOut(BaseModel):
    symbol: str
    live: LiveOrderPublic | None = None


class StreamIn(_In):
    exchange: str = Field(min_length=1, max_length=32)
    symbol: str = Field(min_length=1, max_length=32)


class StreamOut(BaseModel):
    exchange: str
    symbol: str
    running: bool


class LiveTradingIn(_In):
    enabled: bool


class LiveTradingOut(BaseModel):
    enabled: bool
    disclaimer: str


class ErrorOut(BaseModel):
    detail: str


class RejectedOut(BaseModel):
    detail: str
    reason: str


class AutomationIn(_In):
    enabled: bool


class AutomationOut(BaseModel):
    user_id: int
    enabled: bool
