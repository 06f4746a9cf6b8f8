"""Recovery: the engine's state survives a restart exactly; a halt is never lifted by a restart."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from quantum.errors import DataError
from quantum.store import (
    EngineStateRecord,
    Store,
    StoreWriter,
    load_engine_state,
    reset_kill_switch,
    save_engine_state,
)
from quantum.store.repositories.positions import open_positions

STATE: dict[str, Any] = {
    "cash": "10000.00000000",
    "peak_equity": "10250.12345678",
    "halted": False,
    "halt_reason": None,
    "trade_day": 20245,
    "trades_today": 3,
    "realized_pnl": "-12.34567891",
    "fees": "1.30000000",
    "funding": "-0.00000001",
    "wins": 2,
    "losses": 1,
    "sum_win": "20.00000000",
    "sum_loss": "-32.34567891",
    "strategies": [
        {
            "name": "order_flow",
            "wins": 7,
            "losses": 13,
            "sum_win": 0.0731,
            "sum_loss": 0.0655,
            "shadow_trades": 4,
            "shadow_wins": 1,
            "shadow_pnl": "-0.12345678",
        }
    ],
    "positions": [
        {
            "symbol": "BTCUSDT",
            "side": "LONG",
            "qty": "0.01000000",
            "entry_price": "65000.00000000",
            "entry_ts": 1723161255000000000,
            "leverage": 1.0,
            "take_profit": "65650.00000000",
            "stop_loss": "64675.00000000",
            "liquidation_price": "0.00000001",
            "cost_basis": "650.00000000",
            "entry_fee": "0.32500000",
            "confidence": 0.85,
            "strategy": "liquidation_hunter",
        },
        {
            "symbol": "ETHUSDT",
            "side": "SHORT",
            "qty": "1.23456789",
            "entry_price": "3100.12345678",
            "entry_ts": 1723161256123456789,
            "leverage": 3.5,
            "take_profit": None,
            "stop_loss": "3115.62407406",
            "liquidation_price": "4120.00000000",
            "cost_basis": "3827.31000000",
            "entry_fee": "1.91365500",
            "confidence": 0.6000000000000001,
            "strategy": "order_flow",
        },
    ],
}


def test_state_round_trips_exactly(store: Store, account: tuple[int, int]) -> None:
    _, acct = account
    assert load_engine_state(store, acct) is None
    save_engine_state(store, acct, STATE)
    assert load_engine_state(store, acct) == STATE
    # A fresh Store (a restarted process) reads the same.
    again = Store(store.engine.url)
    try:
        assert load_engine_state(again, acct) == STATE
    finally:
        again.dispose()


def test_positions_the_engine_no_longer_holds_are_closed(
    store: Store, account: tuple[int, int]
) -> None:
    user, acct = account
    save_engine_state(store, acct, STATE)
    later = copy.deepcopy(STATE)
    later["positions"] = later["positions"][1:]
    later["trades_today"] = 4
    save_engine_state(store, acct, later)
    assert load_engine_state(store, acct) == later
    with store.session() as s:
        assert [p.symbol for p in open_positions(s, user)] == ["ETHUSDT"]


def test_a_halt_survives_saves_until_reset(store: Store, account: tuple[int, int]) -> None:
    _, acct = account
    halted = {**STATE, "halted": True, "halt_reason": "max_drawdown 15.2% > 15%"}
    save_engine_state(store, acct, halted)
    # A stale or freshly restarted engine saying "not halted" does not lift the kill switch.
    save_engine_state(store, acct, STATE)
    loaded = load_engine_state(store, acct)
    assert loaded is not None
    assert loaded["halted"] is True and loaded["halt_reason"] == "max_drawdown 15.2% > 15%"
    assert reset_kill_switch(store, acct) is True
    assert reset_kill_switch(store, acct) is False
    save_engine_state(store, acct, STATE)
    assert load_engine_state(store, acct) == STATE


def test_the_writer_saves_state_in_order_with_other_events(
    store: Store, account: tuple[int, int], tmp_path: Any
) -> None:
    _, acct = account
    first = copy.deepcopy(STATE)
    second = copy.deepcopy(STATE)
    second["cash"] = "9999.99999999"
    second["positions"] = []
    with StoreWriter(store, tmp_path / "spool") as writer:
        writer.submit(EngineStateRecord(account_id=acct, state=first))
        writer.submit(EngineStateRecord(account_id=acct, state=second))
        assert writer.flush(10)
    assert load_engine_state(store, acct) == second


@pytest.mark.parametrize(
    "change",
    [
        {"cash": 10000.0},
        {"cash": "1.123456789"},
        {"unknown_field": 1},
        {"positions": [{"symbol": "BTCUSDT"}]},
        {"positions": [STATE["positions"][0], STATE["positions"][0]]},
    ],
)
def test_invalid_states_are_refused(
    store: Store, account: tuple[int, int], change: dict[str, Any]
) -> None:
    _, acct = account
    with pytest.raises(DataError):
        save_engine_state(store, acct, {**STATE, **change})
    with pytest.raises(DataError):
        EngineStateRecord(account_id=acct, state={**STATE, **change})


def test_unknown_account_is_refused(store: Store) -> None:
    with pytest.raises(DataError, match="unknown account"):
        save_engine_state(store, 424242, STATE)


def test_a_real_engine_restores_from_the_store_exactly(
    store: Store, account: tuple[int, int]
) -> None:
    """The core's own export → store → a fresh engine: the same state, and the same future."""
    import quantum

    second = 1_000_000_000
    config = quantum.EngineConfig(
        liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
        order_flow=quantum.OrderFlowConfig(enabled=False),
        volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
    )
    before = quantum.Engine(config)
    before.on_tick(0, 0, 0, 100.0, funding_rate=0.0001)
    before.submit_entry("BTCUSDT", "LONG", ts_recv=1, qty=2.0)
    for i, price in enumerate([100.2, 100.4, 100.3], start=1):
        before.on_tick(i * second, i * second, 0, price)
    before.on_tick(8 * 3600 * second, 8 * 3600 * second, 0, 100.35, funding_rate=0.0001)
    state = before.export_state()
    assert state["positions"] and state["funding"] != "0E-8"

    _, acct = account
    save_engine_state(store, acct, state)
    loaded = load_engine_state(store, acct)
    assert loaded is not None
    after = quantum.Engine(config)
    after.restore_state(loaded)
    assert after.export_state() == state
    assert after.equity == before.equity
    for engine in (before, after):
        engine.on_tick(9 * 3600 * second, 9 * 3600 * second, 0, 101.5)
    # The same future: the position closes the same way, to the last 1e-8. (Path statistics such
    # as max drawdown or exposure describe a process's history and start afresh on a restart.)
    money = ("num_trades", "wins", "total_pnl", "net_pnl", "fees", "funding", "final_equity")
    assert {k: after.metrics()[k] for k in money} == {k: before.metrics()[k] for k in money}
    assert before.metrics()["num_trades"] == 1
