"""Engine state across restarts: open positions, equity and peak, day counters, the halt flag.

The Rust engine exports its state as a plain dict (amounts as exact decimal strings); this module
stores it in proper tables — account-level fields in ``account_state``, open positions in
``positions`` — and reads it back exactly.

The DRB-Guard halt is sticky: saving a state with ``halted: false`` over a stored halt keeps the
halt (a restart or a stale snapshot never lifts a kill switch). Only ``reset_kill_switch`` — the
admin action — clears it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from quantum.errors import DataError
from quantum.store.db import Store
from quantum.store.enums import Side, TradeStatus
from quantum.store.models import Account, AccountState, Position
from quantum.store.records import PositionRecord
from quantum.store.repositories._common import as_connection, table
from quantum.store.repositories.positions import record_positions
from quantum.store.sqltypes import to_amount

__all__ = ["EngineState", "load_engine_state", "reset_kill_switch", "save_engine_state"]


def _amount(value: object) -> Decimal:
    return to_amount(value, "engine state")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class EnginePosition(_Strict):
    """One open position as the engine exports it."""

    symbol: str
    side: Literal["LONG", "SHORT"]
    qty: Decimal
    entry_price: Decimal
    entry_ts: int
    leverage: float
    take_profit: Decimal | None = None
    stop_loss: Decimal | None = None
    liquidation_price: Decimal | None = None
    cost_basis: Decimal | None = None
    entry_fee: Decimal | None = None
    funding: Decimal | None = None
    #: Last mark price (the core's `mark`); stored as the position's current price.
    mark: Decimal | None = None
    confidence: float | None = None
    strategy: str | None = None
    #: The opening signal's id in the engine that opened it (not stored: ids restart with it).
    signal_id: int | None = None

    @field_validator(
        "qty",
        "entry_price",
        "take_profit",
        "stop_loss",
        "liquidation_price",
        "cost_basis",
        "entry_fee",
        "funding",
        "mark",
        mode="before",
    )
    @classmethod
    def _exact(cls, value: object) -> object:
        return None if value is None else _amount(value)


class StrategyStatsState(_Strict):
    """One strategy's trade statistics (real and shadow trades): what Kelly sizes it from."""

    name: str
    wins: int
    losses: int
    #: Sums of the winning and (positive) losing trades' net returns, fractions of cost basis.
    sum_win: float
    sum_loss: float
    shadow_trades: int = 0
    shadow_wins: int = 0
    shadow_pnl: Decimal = Decimal(0)

    @field_validator("shadow_pnl", mode="before")
    @classmethod
    def _exact(cls, value: object) -> object:
        return _amount(value)


class EngineState(_Strict):
    """The engine's exported state of one account."""

    cash: Decimal
    peak_equity: Decimal
    halted: bool
    halt_reason: str | None = None
    trade_day: int
    trades_today: int
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    wins: int
    losses: int
    sum_win: Decimal
    sum_loss: Decimal
    strategies: list[StrategyStatsState] = []
    positions: list[EnginePosition]

    @field_validator(
        "cash",
        "peak_equity",
        "realized_pnl",
        "fees",
        "funding",
        "sum_win",
        "sum_loss",
        mode="before",
    )
    @classmethod
    def _exact(cls, value: object) -> object:
        return _amount(value)

    @classmethod
    def parse(cls, state: Mapping[str, Any]) -> EngineState:
        """Validate an exported state; ``DataError`` names what is wrong."""
        try:
            parsed = cls.model_validate(dict(state))
        except ValidationError as exc:
            raise DataError(f"invalid engine state: {exc}") from None
        symbols = [p.symbol for p in parsed.positions]
        if len(symbols) != len(set(symbols)):
            raise DataError("invalid engine state: more than one position for a symbol")
        return parsed


def _fmt(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.8f}"


def _connection(target: Session | Store | Connection) -> tuple[Connection, bool]:
    """A connection in a transaction, and whether we own (and must commit) it."""
    if isinstance(target, Store):
        return target.engine.connect(), True
    return as_connection(target), False


def save_engine_state(
    target: Session | Store | Connection, account_id: int, state: Mapping[str, Any]
) -> None:
    """Persist the engine's ``state`` for ``account_id`` (exact; halt is sticky).

    With a ``Store`` the save is its own transaction; with a session or connection it joins the
    caller's transaction. Open positions not in ``state`` are marked CLOSED.
    """
    parsed = EngineState.parse(state)
    conn, owned = _connection(target)
    try:
        _save(conn, account_id, parsed)
        if owned:
            conn.commit()
    finally:
        if owned:
            conn.close()


def _save(conn: Connection, account_id: int, state: EngineState) -> None:
    user_id = conn.scalar(select(Account.user_id).where(Account.id == account_id))
    if user_id is None:
        raise DataError(f"unknown account {account_id}")
    now = time.time_ns()
    stored = conn.execute(
        select(AccountState.halted, AccountState.halt_reason).where(
            AccountState.account_id == account_id
        )
    ).first()
    halted, reason = state.halted, state.halt_reason
    if stored is not None and stored.halted and not halted:
        halted, reason = True, stored.halt_reason
    values: dict[str, Any] = {
        "user_id": user_id,
        "cash": state.cash,
        "peak_equity": state.peak_equity,
        "halted": halted,
        "halt_reason": reason,
        "trade_day": state.trade_day,
        "trades_today": state.trades_today,
        "realized_pnl": state.realized_pnl,
        "fees": state.fees,
        "funding": state.funding,
        "wins": state.wins,
        "losses": state.losses,
        "sum_win": state.sum_win,
        "sum_loss": state.sum_loss,
        "strategy_stats": [_stats_out(s) for s in state.strategies],
        "updated_ts": now,
    }
    if stored is None:
        conn.execute(table(AccountState).insert().values(account_id=account_id, **values))
    else:
        conn.execute(
            update(AccountState).where(AccountState.account_id == account_id).values(**values)
        )

    keep = {(p.symbol, p.entry_ts) for p in state.positions}
    for pos_id, symbol, opened_ts in conn.execute(
        select(Position.id, Position.symbol, Position.opened_ts).where(
            Position.account_id == account_id, Position.status == TradeStatus.OPEN
        )
    ).all():
        if (symbol, opened_ts) not in keep:
            # The engine no longer holds it; its closing event carries the exact exit time.
            conn.execute(
                update(Position)
                .where(Position.id == pos_id)
                .values(status=TradeStatus.CLOSED, closed_ts=now, updated_ts=now)
            )
    record_positions(
        conn,
        [
            PositionRecord(
                user_id=user_id,
                account_id=account_id,
                symbol=p.symbol,
                side=Side(p.side),
                qty=p.qty,
                entry_price=p.entry_price,
                opened_ts=p.entry_ts,
                updated_ts=now,
                status=TradeStatus.OPEN,
                leverage=p.leverage,
                liquidation_price=p.liquidation_price,
                take_profit=p.take_profit,
                stop_loss=p.stop_loss,
                cost_basis=p.cost_basis,
                entry_fee=p.entry_fee,
                funding=p.funding,
                current_price=p.mark,
                confidence=p.confidence,
                strategy=p.strategy,
            )
            for p in state.positions
        ],
    )


def load_engine_state(
    target: Session | Store | Connection, account_id: int
) -> dict[str, Any] | None:
    """The stored state of ``account_id`` in the engine's export format, or None if never saved."""
    conn, owned = _connection(target)
    try:
        row = conn.execute(
            select(AccountState).where(AccountState.account_id == account_id)
        ).first()
        if row is None:
            return None
        positions = conn.execute(
            select(Position)
            .where(Position.account_id == account_id, Position.status == TradeStatus.OPEN)
            .order_by(Position.symbol)
        ).all()
    finally:
        if owned:
            conn.close()
    return {
        "cash": _fmt(row.cash),
        "peak_equity": _fmt(row.peak_equity),
        "halted": bool(row.halted),
        "halt_reason": row.halt_reason,
        "trade_day": row.trade_day,
        "trades_today": row.trades_today,
        "realized_pnl": _fmt(row.realized_pnl),
        "fees": _fmt(row.fees),
        "funding": _fmt(row.funding),
        "wins": row.wins,
        "losses": row.losses,
        "sum_win": _fmt(row.sum_win),
        "sum_loss": _fmt(row.sum_loss),
        "strategies": list(row.strategy_stats or []),
        "positions": [_position_out(p) for p in positions],
    }


def _stats_out(s: StrategyStatsState) -> dict[str, Any]:
    """One strategy's statistics as stored (JSON; the P&L as an exact decimal string)."""
    out = s.model_dump()
    out["shadow_pnl"] = _fmt(s.shadow_pnl)
    return out


def _position_out(p: Any) -> dict[str, Any]:
    """One stored open position in the engine's export format (optional fields only if known)."""
    out: dict[str, Any] = {
        "symbol": p.symbol,
        "side": Side(p.side).value,
        "qty": _fmt(p.qty),
        "entry_price": _fmt(p.entry_price),
        "entry_ts": p.opened_ts,
        "leverage": p.leverage,
        "take_profit": _fmt(p.take_profit),
        "stop_loss": _fmt(p.stop_loss),
        "liquidation_price": _fmt(p.liquidation_price),
        "cost_basis": _fmt(p.cost_basis),
        "entry_fee": _fmt(p.entry_fee),
        "confidence": p.confidence,
        "strategy": p.strategy,
    }
    if p.funding is not None:
        out["funding"] = _fmt(p.funding)
    if p.current_price is not None:
        out["mark"] = _fmt(p.current_price)
    return out


def reset_kill_switch(target: Session | Store | Connection, account_id: int) -> bool:
    """Lift the DRB-Guard halt of an account (the admin action); False if it was not halted."""
    conn, owned = _connection(target)
    try:
        result = conn.execute(
            update(AccountState)
            .where(AccountState.account_id == account_id, AccountState.halted.is_(True))
            .values(halted=False, halt_reason=None, updated_ts=time.time_ns())
        )
        if owned:
            conn.commit()
    finally:
        if owned:
            conn.close()
    return bool(result.rowcount == 1)
