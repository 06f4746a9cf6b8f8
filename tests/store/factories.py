"""Builders of store records for the tests (explicit values, deterministic ids)."""

from __future__ import annotations

from decimal import Decimal

from quantum.store import (
    FillRecord,
    OrderSide,
    PositionRecord,
    Side,
    SignalRecord,
    StatusRecord,
    TradeRecord,
    TradeStatus,
)

DAY = 86_400_000_000_000
T0 = 1_723_161_255_000_000_000  # 2024-08-08T23:54:15Z


def open_trade(
    uid: str, user_id: int, account_id: int, entry_ts: int = T0, **kw: object
) -> TradeRecord:
    fields: dict[str, object] = {
        "trade_uid": uid,
        "user_id": user_id,
        "account_id": account_id,
        "symbol": "BTCUSDT",
        "side": Side.LONG,
        "qty": Decimal("0.01000000"),
        "entry_price": Decimal("65000.00000000"),
        "entry_ts": entry_ts,
        "fees": Decimal("0.32500000"),
        "confidence": 0.85,
        "strategy": "liquidation_hunter",
    }
    fields.update(kw)
    return TradeRecord(**fields)  # type: ignore[arg-type]


def closed_trade(
    uid: str,
    user_id: int,
    account_id: int,
    pnl: str,
    exit_ts: int,
    entry_ts: int | None = None,
    **kw: object,
) -> TradeRecord:
    return open_trade(
        uid,
        user_id,
        account_id,
        entry_ts=exit_ts - 60_000_000_000 if entry_ts is None else entry_ts,
        status=TradeStatus.CLOSED,
        exit_price=Decimal("65650.00000000"),
        exit_ts=exit_ts,
        pnl=Decimal(pnl),
        pnl_pct=Decimal("0.01000000"),
        exit_reason="take_profit",
        **kw,
    )


def fill(uid: str, user_id: int, account_id: int, ts: int = T0) -> FillRecord:
    return FillRecord(
        fill_uid=uid,
        user_id=user_id,
        account_id=account_id,
        symbol="BTCUSDT",
        side=OrderSide.BUY,
        qty=Decimal("0.01000000"),
        price=Decimal("65000.12345678"),
        fee=Decimal("0.32500062"),
        ts_event=ts,
        ts_recv=ts + 1_000_000,
    )


def signal(uid: str, user_id: int, account_id: int, ts: int = T0, **kw: object) -> SignalRecord:
    fields: dict[str, object] = {
        "signal_uid": uid,
        "user_id": user_id,
        "account_id": account_id,
        "symbol": "ETHUSDT",
        "side": Side.SHORT,
        "price": Decimal("3100.50000000"),
        "confidence": 0.75,
        "reason": "volatility spike faded",
        "ts_event": ts,
        "updated_ts": ts,
        "strategy": "vol_spike_fader",
    }
    fields.update(kw)
    return SignalRecord(**fields)  # type: ignore[arg-type]


def status(uid: str, ts: int = T0, ticks: int = 1000) -> StatusRecord:
    return StatusRecord(
        status_uid=uid,
        ts=ts,
        ticks_processed=ticks,
        ticks_rejected=3,
        signals=2,
        trades=1,
        engine_state="running",
        latency_p50_ns=12_000,
        latency_p99_ns=95_000,
    )


def position(
    user_id: int, account_id: int, symbol: str = "BTCUSDT", opened_ts: int = T0, **kw: object
) -> PositionRecord:
    fields: dict[str, object] = {
        "user_id": user_id,
        "account_id": account_id,
        "symbol": symbol,
        "side": Side.LONG,
        "qty": Decimal("0.01000000"),
        "entry_price": Decimal("65000.00000000"),
        "opened_ts": opened_ts,
        "updated_ts": opened_ts,
        "leverage": 2.0,
        "current_price": Decimal("65100.00000000"),
        "unrealized_pnl": Decimal("1.00000000"),
        "take_profit": Decimal("65650.00000000"),
        "stop_loss": Decimal("64675.00000000"),
        "liquidation_price": Decimal("32662.50000000"),
    }
    fields.update(kw)
    return PositionRecord(**fields)  # type: ignore[arg-type]
