"""Request and response schemas of the API (docs/api.md). Store rows are never returned directly.

Every number says its unit, in its name or in its description (the OpenAPI schema carries both):

- money (P&L, equity, fees) is an exact decimal string in the account's currency, the quote
  currency of the traded symbols (USDT on the shipped feed);
- prices are decimal strings in quote currency per unit of the base asset; sizes are decimal
  strings in the base asset (BTC for BTCUSDT);
- a *fraction* is a plain ratio, 0.15 meaning 15 % (the dashboard shows it as a percent); a field
  whose name ends in ``_fraction`` is one, and the descriptions name the others (``win_rate``,
  ``confidence``, the risk limits, ``funding_rate``);
- times are integer nanoseconds since the UTC epoch (``ts_*``), durations name their unit
  (``uptime_s``, ``latency_us``); counts are integers.
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

_MONEY = "money in the account's currency (quote currency, USDT on the shipped feed), exact decimal string"
_PRICE = "price in quote currency per base-asset unit, exact decimal string"
_SIZE = "quantity in the base asset (BTC for BTCUSDT), exact decimal string"
_TS = "integer nanoseconds since the UTC epoch"


def _money(what: str) -> Any:
    return Field(description=f"{what}: {_MONEY}")


def _price(what: str) -> Any:
    return Field(description=f"{what}: {_PRICE}")


def _fraction(what: str, example: str = "0.15 = 15 %") -> Any:
    return Field(description=f"{what}, as a fraction ({example})")


def _ts(what: str) -> Any:
    return Field(description=f"{what}, {_TS}")


def _count(what: str) -> Any:
    return Field(description=f"{what} (count)")


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
    """Tick receive → bus publish latency over recent ticks, in microseconds."""

    p50: float = Field(description="median, microseconds")
    p99: float = Field(description="99th percentile, microseconds")


class BookStatus(BaseModel):
    """One symbol's L2 book on an exchange feed, checked by the core with the venue's rule.
    Every number is a count since the feed started."""

    valid: bool
    gaps: int = _count("sequence gaps found")
    checksum_failures: int = _count("checksum mismatches")
    book_errors: int = _count("other book errors")
    resyncs: int = _count("resyncs completed")
    snapshots: int = _count("snapshots applied")
    updates: int = _count("updates applied")
    dropped: int = _count("updates dropped while the book was invalid")
    buffered: int = _count("updates buffered, waiting for a snapshot")
    last_error: str | None
    resync_requests: int = _count("resyncs requested")


class FeedStatus(BaseModel):
    """An exchange feed's state: connection, book validity, gaps and resyncs (all symbols)."""

    connected: bool
    native_book: bool
    books_valid: bool | None
    gaps: int = _count("sequence gaps, all symbols")
    checksum_failures: int = _count("checksum mismatches, all symbols")
    resyncs: int = _count("resyncs, all symbols")
    retries: int = _count("reconnection attempts")
    books: dict[str, BookStatus]


class SystemStatus(BaseModel):
    engine_state: Literal["running", "stopped", "halted"]
    feed_connected: bool
    feed: str
    feed_status: FeedStatus | None = None
    ticks_processed: int = _count("ticks run through the engines since the service started")
    ticks_rejected: int = _count("of those, ticks the sanitizer refused")
    signals: int = _count("signals of all accounts since the service started")
    trades: int = _count("trades closed by all accounts since the service started")
    writer_backlog: int = _count("store records waiting to be written")
    latency_us: LatencyUs
    uptime_s: float = Field(description="seconds since the service started")


class TradePublic(BaseModel):
    id: str
    symbol: str
    side: SideName
    size: Dec = Field(description=f"position size: {_SIZE}")
    entry_price: Dec = _price("average entry fill price")
    exit_price: Dec | None = _price("exit fill price (null while open)")
    pnl: Dec | None = _money("net P&L after fees and funding (null while open)")
    pnl_fraction: Dec | None = Field(
        description="net P&L over the entry cost basis, as a fraction (0.0125 = +1.25 %), "
        "exact decimal string; null while open"
    )
    fees: Dec = _money("fees paid, entry and exit")
    status: Literal["OPEN", "CLOSED"]
    entry_ts: int = _ts("entry fill time (local clock)")
    exit_ts: int | None = _ts("exit fill time (local clock); null while open")
    exit_reason: str | None
    confidence: float | None = Field(description="the opening signal's confidence, 0..1")
    strategy: str | None


class TradePage(BaseModel):
    items: list[TradePublic]
    total: int = _count("trades matching the filter")


class PositionPublic(BaseModel):
    id: str
    symbol: str
    side: SideName
    size: Dec = Field(description=f"position size: {_SIZE}")
    entry_price: Dec = _price("average entry fill price")
    current_price: Dec | None = _price("latest mark")
    unrealized_pnl: Dec | None = _money("P&L at the latest mark")
    leverage: float = Field(description="leverage, a multiple (10 = 10×)")
    liquidation_price: Dec | None = _price("estimated liquidation price (null without leverage)")
    take_profit: Dec | None = _price("take-profit trigger")
    stop_loss: Dec | None = _price("stop-loss trigger")
    opened_ts: int = _ts("entry fill time (local clock)")
    closed_ts: int | None = _ts("close time; null while open")


class PositionClosed(BaseModel):
    """The WebSocket ``position`` message when a position has closed."""

    symbol: str
    closed: Literal[True]


class SignalPublic(BaseModel):
    id: str
    symbol: str
    side: SideName
    price: Dec = _price("price when the signal fired")
    confidence: float = Field(description="the strategy's confidence, 0..1")
    strategy: str | None
    reason: str
    status: Literal["PENDING", "EXECUTED", "EXPIRED", "REJECTED"]
    ts: int = _ts("signal time (local clock)")


class SignalPage(BaseModel):
    items: list[SignalPublic]
    total: int = _count("signals matching the filter")


class HeatCell(BaseModel):
    weekday: int = Field(ge=0, le=6, description="UTC weekday of the exits, Monday = 0")
    hour: int = Field(ge=0, le=23, description="UTC hour of the exits")
    pnl: Dec = _money("net P&L of the trades closed in that hour")


class Performance(BaseModel):
    """Statistics of the account's closed trades (the store's daily rollup)."""

    total_trades: int = _count("closed trades")
    win_rate: float = Field(
        description="winning closed trades over closed trades, as a fraction 0..1 "
        "(0.55 = 55 %); 0 without trades"
    )
    total_pnl: Dec = _money("net P&L of the closed trades, after fees and funding")
    profit_factor: float | None = Field(
        description="gross profit over |gross loss|, a ratio (1.5 = 1.5×); null without a loss"
    )
    sharpe: float | None = Field(
        description="Sharpe ratio of daily returns, annualised over 365 days (dimensionless); "
        "null with fewer than two days"
    )
    sortino: float | None = Field(
        description="Sortino ratio of daily returns, annualised over 365 days (dimensionless); "
        "null with fewer than two days"
    )
    max_drawdown_fraction: float | None = Field(
        description="largest fall of equity (initial capital + cumulative net P&L, at UTC day "
        "closes) from its running peak, as a fraction of that peak (0.08 = 8 %)"
    )
    max_drawdown_amount: Dec = _money("the same largest fall, as an amount")
    heatmap: list[HeatCell]


class EquityPoint(BaseModel):
    ts: int = _ts("sample time")
    equity: Dec = _money("account equity (cash + unrealised P&L)")


def _describe_limits(schema: dict[str, Any]) -> None:
    for name, prop in schema["properties"].items():
        if name in _LIMIT_UNITS:
            prop["description"] = _LIMIT_UNITS[name]


_LIMIT_UNITS = {
    "max_drawdown": "DRB-Guard halts and flattens when equity falls this fraction below its "
    "peak (0.15 = 15 %)",
    "max_position_notional": "largest position notional, as a fraction of equity (0.05 = 5 %)",
    "max_trades_per_day": "most new positions per UTC day (count)",
    "max_leverage": "highest leverage allowed, a multiple (10 = 10×)",
    "max_open_positions": "most positions open at once, all symbols (count)",
    "kelly_fraction": "share of the full Kelly size used once Kelly applies, as a fraction "
    "(0.25 = a quarter Kelly)",
    "kelly_min_trades": "trades needed before Kelly sizing is used (count)",
    "kelly_prior_trades": "weight of the shrinkage toward fixed_fraction, in trades (count)",
    "fixed_fraction": "position notional until then, as a fraction of equity (0.01 = 1 %)",
    "fixed_qty": "when set, every automated entry is exactly this quantity in the base asset "
    "(the caps still apply); null = Kelly / fixed-fraction sizing",
}


class RiskLimits(RiskConfig):
    """DRB-Guard limits: the engine's ``RiskConfig``, with the unit of each field."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", title="RiskLimits", json_schema_extra=_describe_limits
    )

    def config(self) -> RiskConfig:
        """The engine's own type."""
        return RiskConfig.model_validate(self.model_dump())


class Rejections(BaseModel):
    """What the account's engine refused since the service started, by reason (counts)."""

    ticks: dict[str, int] = Field(
        description="ticks the sanitizer refused, by reason (e.g. time_backwards, wide_spread)"
    )
    signals: dict[str, int] = Field(
        description="signals not acted on, by reason (e.g. same_side, order_pending, min_hold)"
    )
    orders: dict[str, int] = Field(
        description="orders DRB-Guard or sizing refused, by reason (e.g. notional_cap, halted)"
    )
    other: dict[str, int] = Field(
        description="reasons of any other kind, by their full name (kind:reason)"
    )


class RiskPublic(BaseModel):
    equity: Dec = _money("account equity now (cash + unrealised P&L)")
    peak_equity: Dec = _money("highest equity so far, the drawdown's reference")
    drawdown_fraction: float = Field(
        description="how far equity is below its peak now, as a fraction of the peak (0.03 = 3 %)"
    )
    drawdown_amount: Dec = _money("how far equity is below its peak now (peak − equity)")
    drawdown_limit_fraction: float = Field(
        description="the drawdown at which DRB-Guard halts, as a fraction of the peak "
        "(limits.max_drawdown)"
    )
    risk_level: Literal["Low", "Medium", "High", "Critical"]
    halted: bool
    halt_reason: str | None
    trades_today: int = _count("new positions opened today (UTC)")
    limits: RiskLimits
    positions: list[PositionPublic]
    rejections: Rejections


class Book(BaseModel):
    bids: list[list[Dec]] = Field(
        description=f"[price, size] levels, best first: {_PRICE}; {_SIZE}"
    )
    asks: list[list[Dec]] = Field(
        description=f"[price, size] levels, best first: {_PRICE}; {_SIZE}"
    )


class MarketPublic(BaseModel):
    exchange: str
    symbol: str
    price: Dec | None = _price("last trade price (the mid before the first trade)")
    bid: Dec | None = _price("best bid")
    ask: Dec | None = _price("best ask")
    funding_rate: Dec | None = Field(
        description="perpetual funding per funding interval (8 h on most venues), as a "
        "fraction of position notional (0.0001 = 0.01 %), exact decimal string"
    )
    volume_24h: Dec | None = Field(
        description=f"traded quantity over the last 24 hours seen by the feed: {_SIZE}"
    )
    open_interest: Dec | None = Field(
        description="open interest as the venue reports it (base asset or contracts), "
        "exact decimal string"
    )
    ts: int = _ts("receive time of the newest tick or stored snapshot")
    book: Book


class PricePoint(BaseModel):
    ts: int = _ts("sample time")
    price: Dec | None = _price("last price")


class TickPublic(BaseModel):
    """The WebSocket ``tick`` message (sampled for display, at most 10 a second per symbol)."""

    exchange: str
    symbol: str
    price: Dec | None = _price("last trade price")
    bid: Dec | None = _price("best bid")
    ask: Dec | None = _price("best ask")
    ts: int = _ts("receive time")


class FillPublic(BaseModel):
    """The WebSocket ``fill`` message."""

    symbol: str
    side: Literal["BUY", "SELL"]
    qty: Dec = Field(description=f"filled quantity: {_SIZE}")
    price: Dec = _price("fill price")
    fee: Dec = _money("fee of this fill")
    kind: Literal["open", "close"]
    exit_reason: str | None
    ts: int = _ts("fill time (local clock)")


class ResyncPublic(BaseModel):
    """The WebSocket ``resync`` message: messages were dropped for this client; refetch."""

    reason: Literal["slow_consumer"]


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


class BacktestMetrics(BaseModel):
    """A finished backtest's figures (SPEC §9), each with its unit."""

    num_trades: int = _count("closed trades")
    wins: int = _count("trades with positive net P&L")
    losses: int = _count("trades with zero or negative net P&L")
    win_rate: float | None = Field(
        description="wins over closed trades, as a fraction 0..1 (0.55 = 55 %); null without trades"
    )
    gross_pnl: Dec = _money("realised P&L of the closed trades before fees and funding")
    net_pnl: Dec = _money("final equity − initial capital (after fees, funding, unrealised P&L)")
    fees: Dec = _money("fees paid")
    funding: Dec = _money("funding paid")
    unrealized_pnl: Dec = _money("unrealised P&L of positions still open at the end")
    initial_capital: Dec = _money("starting equity")
    final_equity: Dec = _money("equity at the end")
    return_fraction: float | None = Field(
        description="net P&L over the initial capital, as a fraction (0.02 = +2 %)"
    )
    profit_factor: float | None = Field(
        description="winning net P&L over |losing net P&L|, a ratio; null without a loss"
    )
    sharpe: float | None = Field(
        description="Sharpe ratio of daily returns, annualised over 365 days; null when undefined"
    )
    sortino: float | None = Field(
        description="Sortino ratio of daily returns, annualised over 365 days; null when undefined"
    )
    max_drawdown_fraction: float | None = Field(
        description="largest peak-to-trough fall of equity, as a fraction of the peak (0.08 = 8 %)"
    )
    max_drawdown_duration_s: float | None = Field(
        description="longest time spent under a previous equity peak, seconds"
    )
    exposure_fraction: float | None = Field(
        description="share of the time with a position open, as a fraction (0.25 = 25 %)"
    )
    avg_trade_pnl: Dec | None = _money("mean net P&L per closed trade (null without trades)")
    shadow_trades: int = Field(
        0,
        ge=0,
        description="shadow trades, a count: signals Kelly sized to zero, followed with the same"
        " rules and no capital (never in equity or the figures above)",
    )
    shadow_wins: int = Field(0, ge=0, description="shadow trades with positive net P&L, a count")
    shadow_win_rate: float | None = Field(
        None, description="shadow wins over shadow trades, as a fraction 0..1; null without any"
    )
    shadow_pnl: Dec = Field(
        "0.00000000",
        description="net P&L the shadow trades would have made, quote currency (not in equity)",
    )


class BacktestPublic(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float = Field(ge=0, le=1, description="share of the run done, a fraction 0..1")
    config: dict[str, Any]
    metrics: BacktestMetrics | None
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
    qty: Decimal | None = Field(
        None,
        gt=0,
        max_digits=28,
        decimal_places=8,
        description=f"order size: {_SIZE}; omitted = DRB-Guard's sizing",
    )
    leverage: float | None = Field(None, ge=1, le=125, description="a multiple (10 = 10×)")

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
    filled: Dec | None = Field(description=f"filled quantity: {_SIZE}")
    average: Dec | None = _price("average fill price")
    reconciled: bool


class OrderPublic(BaseModel):
    symbol: str
    side: SideName
    qty: Dec = Field(description=f"order size: {_SIZE}")
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
    """A refused action: DRB-Guard's refusals carry its reason code (``notional_cap``,
    ``halted``...); other conflicts (a signal no longer pending, a venue error) only ``detail``."""

    detail: str
    reason: str | None = None


class AutomationIn(_In):
    enabled: bool


class AutomationOut(BaseModel):
    user_id: int
    enabled: bool = Field(
        description="the automated strategies trade this account by themselves (otherwise "
        "their signals wait as PENDING for the user)"
    )


class SubscribedPublic(BaseModel):
    """The WebSocket ``subscribed`` message: what the connection now receives."""

    topics: list[str]
    symbols: list[str]


#: The ``data`` of each WebSocket message type (docs/api.md), exported with the OpenAPI schema
#: under ``x-websocket`` so the dashboard's types and its mock service's checks come from it.
WS_MESSAGES: dict[str, tuple[type[BaseModel], ...]] = {
    "subscribed": (SubscribedPublic,),
    "error": (ErrorOut,),
    "tick": (TickPublic,),
    "signal": (SignalPublic,),
    "fill": (FillPublic,),
    "position": (PositionPublic, PositionClosed),
    "trade": (TradePublic,),
    "risk": (RiskPublic,),
    "status": (SystemStatus,),
    "resync": (ResyncPublic,),
}
