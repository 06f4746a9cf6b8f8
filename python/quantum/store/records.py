"""The events the runtime writes to the store, validated when they are created.

Each record carries a client-generated idempotency key (``*_uid``, or a natural key such as
``(account_id, symbol, opened_ts)`` for positions), so writing it twice leaves one row. Field names
equal column names. Amounts are ``Decimal`` with at most 8 fractional digits (strings are accepted
and converted; floats are refused); times are int64 nanoseconds.

Records validate eagerly so that a bad event is refused at ``submit`` time with a ``DataError``
instead of poisoning a batch later.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from quantum.errors import DataError
from quantum.store.enums import OrderSide, Side, SignalStatus, TradeStatus
from quantum.store.sqltypes import to_amount

__all__ = [
    "RECORD_TYPES",
    "EngineStateRecord",
    "EquityRecord",
    "FillRecord",
    "MarketSnapshotRecord",
    "PositionRecord",
    "Record",
    "SignalRecord",
    "StatusRecord",
    "TradeRecord",
    "record_from_json",
    "record_to_json",
]

_I64 = 2**63
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


class _Base:
    """Validation and (de)serialisation shared by the records."""

    kind: ClassVar[str]
    _amounts: ClassVar[tuple[str, ...]] = ()
    _enums: ClassVar[dict[str, type[StrEnum]]] = {}
    _ints: ClassVar[tuple[str, ...]] = ()
    _uids: ClassVar[tuple[str, ...]] = ()
    _strs: ClassVar[dict[str, int]] = {}
    _floats: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self._amounts:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, to_amount(value, f"{self.kind}.{name}"))
        for name, enum in self._enums.items():
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, enum(value))
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                raise DataError(f"{self.kind}.{name}: {value!r} is not one of {allowed}") from None
        for name in self._ints:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not -_I64 <= value < _I64:
                raise DataError(f"{self.kind}.{name}: {value!r} is not a 64-bit integer")
        for name in self._uids:
            value = getattr(self, name)
            if not isinstance(value, str) or not 0 < len(value) <= 64:
                raise DataError(
                    f"{self.kind}.{name}: must be a non-empty string of at most 64 chars"
                )
        for name, limit in self._strs.items():
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise DataError(f"{self.kind}.{name}: must be a string of at most {limit} chars")
        for name in self._floats:
            value = getattr(self, name)
            if value is None:
                continue
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise DataError(f"{self.kind}.{name}: {value!r} is not a finite number")
            object.__setattr__(self, name, float(value))

    def to_row(self) -> dict[str, Any]:
        """The record as a column → value mapping."""
        cls = type(self)
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(self))  # type: ignore[arg-type]
        return {name: getattr(self, name) for name in names}


@dataclass(frozen=True, slots=True)
class FillRecord(_Base):
    """An order execution."""

    kind: ClassVar[str] = "fill"
    _strs: ClassVar[dict[str, int]] = {
        "symbol": 32,
        "trade_uid": 64,
        "order_id": 64,
        "liquidity": 8,
    }
    _amounts = ("qty", "price", "fee")
    _enums: ClassVar[dict[str, type[StrEnum]]] = {"side": OrderSide}
    _ints = ("user_id", "account_id", "ts_event", "ts_recv")
    _uids = ("fill_uid",)

    fill_uid: str
    user_id: int
    account_id: int
    symbol: str
    side: OrderSide
    qty: Decimal
    price: Decimal
    fee: Decimal
    ts_event: int
    ts_recv: int | None = None
    trade_uid: str | None = None
    order_id: str | None = None
    liquidity: str | None = None


@dataclass(frozen=True, slots=True)
class TradeRecord(_Base):
    """A trade's current state: written when it opens and again when it closes (same uid)."""

    kind: ClassVar[str] = "trade"
    _strs: ClassVar[dict[str, int]] = {"symbol": 32, "exit_reason": 32, "strategy": 64}
    _floats = ("confidence",)
    _amounts = ("qty", "entry_price", "exit_price", "pnl", "pnl_pct", "fees")
    _enums: ClassVar[dict[str, type[StrEnum]]] = {"side": Side, "status": TradeStatus}
    _ints = ("user_id", "account_id", "entry_ts", "exit_ts", "backtest_run_id")
    _uids = ("trade_uid",)

    trade_uid: str
    user_id: int
    account_id: int
    symbol: str
    side: Side
    qty: Decimal
    entry_price: Decimal
    entry_ts: int
    status: TradeStatus = TradeStatus.OPEN
    fees: Decimal = Decimal("0")
    exit_price: Decimal | None = None
    exit_ts: int | None = None
    pnl: Decimal | None = None
    pnl_pct: Decimal | None = None
    exit_reason: str | None = None
    confidence: float | None = None
    strategy: str | None = None
    backtest_run_id: int | None = None

    def __post_init__(self) -> None:
        _Base.__post_init__(self)
        if self.status is TradeStatus.CLOSED and (
            self.exit_price is None or self.exit_ts is None or self.pnl is None
        ):
            raise DataError(
                f"trade {self.trade_uid}: a CLOSED trade needs exit_price, exit_ts and pnl"
            )


@dataclass(frozen=True, slots=True)
class PositionRecord(_Base):
    """A position's current state, keyed by ``(account_id, symbol, opened_ts)``."""

    kind: ClassVar[str] = "position"
    _strs: ClassVar[dict[str, int]] = {"symbol": 32, "strategy": 64}
    _floats = ("leverage", "confidence")
    _amounts = (
        "qty",
        "entry_price",
        "current_price",
        "unrealized_pnl",
        "liquidation_price",
        "take_profit",
        "stop_loss",
        "cost_basis",
        "entry_fee",
        "funding",
    )
    _enums: ClassVar[dict[str, type[StrEnum]]] = {"side": Side, "status": TradeStatus}
    _ints = ("user_id", "account_id", "opened_ts", "closed_ts", "updated_ts")

    user_id: int
    account_id: int
    symbol: str
    side: Side
    qty: Decimal
    entry_price: Decimal
    opened_ts: int
    updated_ts: int
    status: TradeStatus = TradeStatus.OPEN
    leverage: float = 1.0
    current_price: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    liquidation_price: Decimal | None = None
    take_profit: Decimal | None = None
    stop_loss: Decimal | None = None
    cost_basis: Decimal | None = None
    entry_fee: Decimal | None = None
    funding: Decimal | None = None
    confidence: float | None = None
    strategy: str | None = None
    closed_ts: int | None = None


@dataclass(frozen=True, slots=True)
class SignalRecord(_Base):
    """A signal's current state (PENDING first, later EXECUTED / EXPIRED / REJECTED)."""

    kind: ClassVar[str] = "signal"
    _strs: ClassVar[dict[str, int]] = {"symbol": 32, "reason": 255, "strategy": 64}
    _floats = ("confidence",)
    _amounts = ("price",)
    _enums: ClassVar[dict[str, type[StrEnum]]] = {"side": Side, "status": SignalStatus}
    _ints = ("user_id", "account_id", "ts_event", "updated_ts")
    _uids = ("signal_uid",)

    signal_uid: str
    user_id: int
    account_id: int
    symbol: str
    side: Side
    price: Decimal
    confidence: float
    reason: str
    ts_event: int
    updated_ts: int
    status: SignalStatus = SignalStatus.PENDING
    strategy: str | None = None


@dataclass(frozen=True, slots=True)
class StatusRecord(_Base):
    """A runtime health sample; the writer stamps its own backlog onto it when writing."""

    kind: ClassVar[str] = "status"
    _strs: ClassVar[dict[str, int]] = {"engine_state": 16}
    _ints = (
        "ts",
        "ticks_processed",
        "ticks_rejected",
        "signals",
        "trades",
        "latency_p50_ns",
        "latency_p99_ns",
    )
    _uids = ("status_uid",)

    status_uid: str
    ts: int
    ticks_processed: int
    ticks_rejected: int
    signals: int
    trades: int
    engine_state: str
    latency_p50_ns: int | None = None
    latency_p99_ns: int | None = None


@dataclass(frozen=True, slots=True)
class EquityRecord(_Base):
    """A point of an account's equity curve, keyed by ``(account_id, ts_event)``."""

    kind: ClassVar[str] = "equity"
    _amounts = ("equity", "cash", "unrealized_pnl", "peak_equity")
    _ints = ("user_id", "account_id", "ts_event")

    user_id: int
    account_id: int
    ts_event: int
    equity: Decimal
    cash: Decimal
    unrealized_pnl: Decimal
    peak_equity: Decimal


@dataclass(frozen=True, slots=True)
class MarketSnapshotRecord(_Base):
    """A market summary, keyed by ``(exchange_id, symbol, ts_event)``.

    ``book`` is the top of the book, ``{"bids": [[price, qty], ...], "asks": [...]}``, best level
    first; its numbers are normalised to exact decimal strings (at most ``BOOK_LEVELS`` a side).
    """

    kind: ClassVar[str] = "market"
    BOOK_LEVELS: ClassVar[int] = 20
    _strs: ClassVar[dict[str, int]] = {"exchange_id": 32, "symbol": 32}
    _amounts = (
        "price",
        "volume_24h",
        "funding_rate",
        "open_interest",
        "bid",
        "ask",
        "bid_qty",
        "ask_qty",
    )
    _ints = ("ts_event", "ts_recv")

    exchange_id: str
    symbol: str
    ts_event: int
    price: Decimal
    volume_24h: Decimal | None = None
    funding_rate: Decimal | None = None
    open_interest: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    bid_qty: Decimal | None = None
    ask_qty: Decimal | None = None
    book: dict[str, list[list[str]]] | None = None
    ts_recv: int | None = None

    def __post_init__(self) -> None:
        _Base.__post_init__(self)
        if self.book is not None:
            object.__setattr__(self, "book", _book_levels(self.book, self.BOOK_LEVELS))


def _book_levels(book: Any, limit: int) -> dict[str, list[list[str]]]:
    """``book`` checked and normalised: both sides, ``[price, qty]`` pairs as decimal strings."""
    if not isinstance(book, dict) or set(book) != {"bids", "asks"}:
        raise DataError("market.book: must be an object with exactly 'bids' and 'asks'")
    out: dict[str, list[list[str]]] = {}
    for side in ("bids", "asks"):
        levels = book[side]
        if not isinstance(levels, list | tuple) or len(levels) > limit:
            raise DataError(f"market.book.{side}: must be a list of at most {limit} levels")
        rows: list[list[str]] = []
        for level in levels:
            if not isinstance(level, list | tuple) or len(level) != 2:
                raise DataError(f"market.book.{side}: each level is a [price, qty] pair")
            price = to_amount(level[0], f"market.book.{side}.price")
            qty = to_amount(level[1], f"market.book.{side}.qty")
            rows.append([f"{price:f}", f"{qty:f}"])
        out[side] = rows
    return out


@dataclass(frozen=True, slots=True)
class EngineStateRecord(_Base):
    """A full engine-state snapshot of one account (see ``recovery.save_engine_state``)."""

    kind: ClassVar[str] = "engine_state"
    _ints = ("account_id",)

    account_id: int
    state: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _Base.__post_init__(self)
        # Validate now (and normalise), so a bad snapshot is refused at submit time.
        from quantum.store.recovery import EngineState

        EngineState.parse(self.state)


Record = (
    FillRecord
    | TradeRecord
    | PositionRecord
    | SignalRecord
    | StatusRecord
    | EquityRecord
    | MarketSnapshotRecord
    | EngineStateRecord
)

RECORD_TYPES: dict[str, type[Record]] = {
    cls.kind: cls
    for cls in (
        FillRecord,
        TradeRecord,
        PositionRecord,
        SignalRecord,
        StatusRecord,
        EquityRecord,
        MarketSnapshotRecord,
        EngineStateRecord,
    )
}


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def record_to_json(record: Record) -> str:
    """One line of JSON for the spill file (amounts as exact strings)."""
    return json.dumps(
        {"kind": record.kind, "data": record.to_row()},
        default=_json_default,
        separators=(",", ":"),
    )


def record_from_json(line: str) -> Record:
    """Parse a line written by ``record_to_json`` (amount strings become Decimals again)."""
    try:
        obj = json.loads(line)
        cls = RECORD_TYPES[obj["kind"]]
        data = obj["data"]
        if not isinstance(data, dict):
            raise TypeError("data is not an object")
        return cls(**data)
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"unreadable spilled record: {exc}") from None
