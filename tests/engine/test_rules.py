"""Each SPEC rule through the public Python API, on small hand-built tick arrays."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

import quantum
from quantum import EngineConfig, ExecutionConfig, RiskConfig
from quantum.errors import ColumnError, ConfigError, RiskRejected
from tests.conftest import DAY, MINUTE, SECOND, Scripted

# Only the scripted strategy, no slippage, no minimum holding time, features per tick.
QUIET = EngineConfig(
    liquidation_hunter=quantum.LiquidationHunterConfig(enabled=False),
    order_flow=quantum.OrderFlowConfig(enabled=False),
    volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
    execution=ExecutionConfig(slippage_bps=0.0, min_hold_ns=0),
    features=quantum.FeatureConfig(bar_ns=0),
)


def prices(values: list[float], step: int = SECOND, start: int = 0) -> dict[str, np.ndarray]:
    n = len(values)
    return {"ts_event": start + np.arange(n, dtype=np.int64) * step, "price": np.array(values)}


def bars(rows: list[tuple[float, float, float, float]]) -> dict[str, np.ndarray]:
    o, h, low, c = (np.array(col) for col in zip(*rows, strict=True))
    ts = np.arange(len(rows), dtype=np.int64) * MINUTE
    return {"ts_event": ts, "open": o, "high": h, "low": low, "close": c, "price": c}


def run(ticks: dict[str, np.ndarray], plan: list[tuple[int, str]], config: EngineConfig = QUIET):
    return quantum.backtest(ticks, config, strategies=[Scripted(plan)])


@pytest.mark.parametrize(
    ("side", "path", "reason", "exit_price"),
    [
        ("LONG", [100, 100, 100.5, 101.0], "take_profit", 101.0),
        ("LONG", [100, 100, 99.8, 99.4], "stop_loss", 99.4),
        ("SHORT", [100, 100, 99.5, 99.0], "take_profit", 99.0),
        ("SHORT", [100, 100, 100.2, 100.6], "stop_loss", 100.6),
    ],
)
def test_take_profit_and_stop_loss_both_sides(side, path, reason, exit_price) -> None:
    result = run(prices(path), [(1, side)])
    trade = result.trades.iloc[0]
    assert (trade.side, trade.exit_reason, trade.exit_price) == (side, reason, exit_price)
    assert trade.entry_price == 100.0, "filled on the tick after the decision"
    won = reason == "take_profit"
    assert bool(trade.gross_pnl > 0) == won


def test_bar_touching_both_levels_assumes_stop_first() -> None:
    result = run(
        bars([(100, 100, 100, 100), (100, 100, 100, 100), (100, 101.5, 99.0, 100)]), [(1, "LONG")]
    )
    trade = result.trades.iloc[0]
    assert (trade.exit_reason, trade.exit_price) == ("stop_loss", 99.5)


def test_short_bar_gap_through_stop_fills_at_the_open() -> None:
    result = run(
        bars([(100, 100, 100, 100), (100, 100, 100, 100), (102, 103, 101.5, 102)]), [(1, "SHORT")]
    )
    trade = result.trades.iloc[0]
    assert (trade.exit_reason, trade.exit_price) == ("stop_loss", 102.0)


def test_fees_are_five_bps_per_side() -> None:
    result = run(prices([100, 100, 101]), [(1, "LONG")])
    t = result.trades.iloc[0]
    notional_in, notional_out = t["size"] * 100, t["size"] * 101
    assert t.fees == pytest.approx((notional_in + notional_out) * 5e-4, abs=2e-8)


def test_drawdown_auto_stop_flattens_and_blocks_entries() -> None:
    cfg = QUIET.model_copy(
        update={
            "risk": RiskConfig(max_drawdown=0.001, fixed_fraction=0.05),
            "execution": ExecutionConfig(slippage_bps=0.0, stop_loss=0.5),
        }
    )
    result = run(prices([100, 100, 97.9, 97.9, 98, 98]), [(1, "LONG"), (6, "LONG")], cfg)
    assert result.trades.exit_reason.tolist() == ["kill_switch"]
    assert result.rejections["risk:halted"] == 1
    assert result.open_positions == []


def test_drawdown_halt_persists_through_state_export_and_needs_reset() -> None:
    cfg = QUIET.model_copy(
        update={
            "risk": RiskConfig(max_drawdown=0.001, fixed_fraction=0.05),
            "execution": ExecutionConfig(slippage_bps=0.0, stop_loss=0.5),
        }
    )
    e = quantum.Engine(cfg, strategies=[Scripted([(1, "LONG")])])
    for i, p in enumerate([100, 100, 97.9]):
        e.on_tick(i * SECOND, i * SECOND, 0, p)
    state = e.export_state()
    assert state["halted"] is True
    fresh = quantum.Engine(cfg)
    fresh.restore_state(state)
    assert len(fresh.positions()) == 1, "the position survives the restart"
    fresh.on_tick(10 * SECOND, 10 * SECOND, 0, 98.0)
    assert fresh.positions() == [], "a restored halt still flattens"
    with pytest.raises(RiskRejected) as info:
        fresh.submit_entry("BTCUSDT", "LONG", ts_recv=11 * SECOND)
    assert info.value.reason == "halted"
    fresh.reset_halt()
    assert fresh.submit_entry("BTCUSDT", "LONG", ts_recv=12 * SECOND) > 0


def test_daily_trade_cap_resets_at_utc_midnight_of_event_time() -> None:
    cfg = QUIET.model_copy(update={"risk": RiskConfig(max_trades_per_day=1)})
    # Two entries before midnight (the second is refused), one after.
    ts = np.array(
        [DAY - 40, DAY - 30, DAY - 20, DAY - 10, DAY - 5, DAY + 10, DAY + 20], dtype=np.int64
    )
    ticks = {"ts_event": ts, "price": np.full(len(ts), 100.0)}
    plan = [(1, "LONG"), (3, "SHORT"), (6, "SHORT")]
    # The reverse at tick 3 closes the long but its new short entry is over the cap.
    result = run(ticks, plan, cfg)
    assert result.rejections == {"risk:daily_trade_limit": 1}
    assert result.metrics["num_trades"] == 1
    assert len(result.open_positions) == 1, "the entry after midnight is allowed"
    assert result.open_positions[0]["side"] == "SHORT"


def test_notional_and_leverage_caps_refuse_manual_orders() -> None:
    e = quantum.Engine(QUIET)
    e.on_tick(0, 0, 0, 100.0)
    with pytest.raises(RiskRejected) as big:
        e.submit_entry("BTCUSDT", "LONG", ts_recv=1, qty=6.0)  # 600 > 5 % of 10,000
    assert big.value.reason == "notional_cap"
    with pytest.raises(RiskRejected) as lev:
        e.submit_entry("BTCUSDT", "LONG", ts_recv=1, qty=1.0, leverage=11.0)
    assert lev.value.reason == "leverage_cap"
    assert e.submit_entry("BTCUSDT", "LONG", ts_recv=1, qty=5.0) == Decimal("5.00000000")
    assert e.rejections() == {"risk:notional_cap": 1, "risk:leverage_cap": 1}


def test_kelly_sizing_is_fixed_then_bounded_and_never_negative() -> None:
    e = quantum.Engine(QUIET)
    assert e.risk_state()["size_fraction_default"] == 0.01
    # Twenty losing round trips: Kelly turns negative and sizing refuses new entries.
    plan = [(i, "LONG" if i % 2 else "SHORT") for i in range(1, 45)]
    # Each fill lands on the worse price of an alternating market: every round trip loses.
    path = [100.0 - 0.3 * ((i + 1) % 2) for i in range(50)]
    result = run(
        prices(path), plan, QUIET.model_copy(update={"risk": RiskConfig(max_trades_per_day=1000)})
    )
    assert result.metrics["losses"] >= 20
    assert result.rejections.get("risk:zero_size", 0) > 0


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"price": -1.0}, "non_positive_price"),
        ({"price": 100.0, "bid": 100.2, "ask": 100.1}, "crossed_quote"),
        ({"price": 100.0, "bid": 99.0, "ask": 101.0}, "wide_spread"),
        ({"price": 100.0, "volume": -1.0}, "negative_volume"),
        ({"price": float("inf")}, "non_finite"),
        ({}, "missing_price"),
        ({"open": 102.0, "high": 101.0, "low": 99.0, "close": 100.0}, "inconsistent_bar"),
        ({"open": 98.0, "high": 101.0, "low": 99.0, "close": 100.0}, "inconsistent_bar"),
    ],
)
def test_sanitizer_rejects_and_counts_by_reason(kwargs: dict[str, float], reason: str) -> None:
    e = quantum.Engine(QUIET)
    (event,) = e.on_tick(0, 0, 0, **kwargs)
    assert isinstance(event, quantum._core.TickRejectedEvent)
    assert event.reason == reason
    assert e.rejections() == {f"tick:{reason}": 1}
    assert e.stats()["ticks_rejected"] == 1


def test_sanitizer_latency_uses_the_recorded_receive_time() -> None:
    e = quantum.Engine(QUIET)
    assert e.on_tick(0, 100_000_000, 0, 100.0) == ()
    (event,) = e.on_tick(SECOND, SECOND + 100_000_001, 0, 100.0)
    assert event.reason == "latency"


def test_time_going_backwards_is_rejected() -> None:
    e = quantum.Engine(QUIET)
    e.on_tick(10, 10, 0, 100.0)
    (event,) = e.on_tick(5, 10, 0, 100.0)
    assert event.reason == "time_backwards"


def test_wrong_dtype_or_length_names_the_column() -> None:
    with pytest.raises(ColumnError) as info:
        quantum.backtest({"ts_event": np.arange(3), "bid": np.array(["a", "b", "c"])})
    assert info.value.column == "bid"
    with pytest.raises(ColumnError) as info:
        quantum.backtest({"ts_event": np.arange(3), "ask": np.ones(2)})
    assert info.value.column == "ask"
    with pytest.raises(ColumnError) as info:
        quantum.backtest({"ts_event": np.arange(3), "prcie": np.ones(3)})
    assert info.value.column == "prcie"


def test_native_run_validates_dtypes_itself() -> None:
    e = quantum.Engine(QUIET)
    with pytest.raises(ColumnError) as info:
        e.native.run(
            {"ts_event": np.arange(3, dtype=np.int64), "price": np.ones(3, dtype=np.float32)}
        )
    assert info.value.column == "price"


def test_invalid_config_is_a_typed_error() -> None:
    with pytest.raises(ValueError):
        EngineConfig(initial_capital=-1)
    with pytest.raises(ConfigError):
        quantum._core.Engine('{"initial_capital": 1.0, "bogus": 1}')


def test_python_strategy_exception_propagates_unchanged() -> None:
    class Boom(quantum.Strategy):
        def on_tick(self, tick, features):  # type: ignore[no-untyped-def]
            raise KeyError("from the strategy")

    with pytest.raises(KeyError, match="from the strategy"):
        quantum.backtest(prices([100, 101]), QUIET, strategies=[Boom()])


def test_python_strategy_sees_only_completed_bars() -> None:
    """``features`` describe the last bar that closed before this tick; the tick itself is
    the only data from the bar in progress."""
    seen: list[tuple[int, float, float]] = []

    class Record(quantum.Strategy):
        def on_tick(self, tick, features):  # type: ignore[no-untyped-def]
            seen.append((tick.ts_event, tick.price, features.price))

    config = QUIET.model_copy(update={"features": quantum.FeatureConfig(bar_ns=SECOND)})
    ts = np.arange(40, dtype=np.int64) * (SECOND // 4)  # four ticks per one-second bar
    price = 100.0 + np.arange(40, dtype=np.float64)
    quantum.backtest({"ts_event": ts, "price": price}, config, strategies=[Record()])
    assert len(seen) == 40
    for ts_event, tick_price, feature_price in seen[4:]:
        bar = ts_event // SECOND
        assert feature_price == price[4 * bar - 1] < tick_price  # the previous bar's close


def test_funding_is_charged_at_funding_times() -> None:
    hour = 3600 * SECOND
    ts = np.array([7 * hour, 7 * hour + 1, 7 * hour + 2, 8 * hour + 5], dtype=np.int64)
    ticks = {"ts_event": ts, "price": np.full(4, 100.0), "funding_rate": np.full(4, 0.0001)}
    result = run(ticks, [(1, "LONG")])
    position_value = Decimal(str(result.open_positions[0]["qty"])) * 100
    assert result.metrics["funding"] == (position_value * Decimal("0.0001")).quantize(
        Decimal("1e-8")
    )
