"""Target positions: FLAT decisions, the EMA-cross built-in, fixed sizes and disabled exits."""

from __future__ import annotations

import numpy as np

import quantum
from quantum import EmaCrossConfig, EngineConfig, ExecutionConfig, FeatureConfig, RiskConfig
from tests.conftest import SECOND, Scripted

NO_BUILTINS = {
    "liquidation_hunter": quantum.LiquidationHunterConfig(enabled=False),
    "order_flow": quantum.OrderFlowConfig(enabled=False),
    "volatility_fader": quantum.VolatilityFaderConfig(enabled=False),
}
# Features per tick: the targets follow each price, not one-second bars.
TARGETS = EngineConfig(
    **NO_BUILTINS,
    features=FeatureConfig(bar_ns=0),
    risk=RiskConfig(fixed_qty=0.01, max_trades_per_day=10_000),
    execution=ExecutionConfig(take_profit=None, stop_loss=None, slippage_bps=0.0, min_hold_ns=0),
)


def prices(values: list[float]) -> dict[str, np.ndarray]:
    return {"ts_event": np.arange(len(values), dtype=np.int64) * SECOND, "price": np.array(values)}


def test_flat_closes_the_position_and_opens_nothing() -> None:
    result = quantum.backtest(
        prices([100, 100, 101, 101, 102]),
        TARGETS,
        strategies=[Scripted([(1, "LONG"), (3, "FLAT")])],
    )
    (trade,) = result.trades.itertuples()
    assert (trade.exit_reason, trade.entry_price, trade.exit_price) == ("signal", 100.0, 101.0)
    assert trade.size == 0.01, "fixed size, not Kelly"
    assert result.open_positions == []


def test_flat_while_flat_is_ignored() -> None:
    result = quantum.backtest(
        prices([100, 100, 100]), TARGETS, strategies=[Scripted([(1, "FLAT")])]
    )
    assert result.stats["signals_ignored"] == 1 and result.stats["fills"] == 0


def test_disabled_exits_keep_the_position_through_big_moves() -> None:
    result = quantum.backtest(
        prices([100, 100, 130, 60, 100]), TARGETS, strategies=[Scripted([(1, "LONG")])]
    )
    assert len(result.trades) == 0 and len(result.open_positions) == 1


def test_ema_cross_holds_long_above_and_flat_below() -> None:
    cfg = TARGETS.model_copy(
        update={
            "ema_cross": EmaCrossConfig(enabled=True),
            "features": FeatureConfig(ema_period=3, bar_ns=0),
        }
    )
    up, down = [100 + i for i in range(10)], [109 - 2 * i for i in range(10)]
    result = quantum.backtest(prices(up + down), cfg)
    assert len(result.trades) == 1
    trade = result.trades.iloc[0]
    assert (trade.side, trade.exit_reason, trade.strategy) == ("LONG", "signal", "ema_cross")
    # Long from the first tick after the EMA warmed up; flat soon after the turn.
    assert trade.entry_price == 103.0 and trade.exit_price < 109.0


def test_python_and_compiled_ema_cross_agree() -> None:
    class PyEma(quantum.Strategy):
        name = "ema_cross"

        def __init__(self, period: int) -> None:
            self.alpha, self.ema, self.n, self.period = 2 / (period + 1), 0.0, 0, period

        def on_tick(
            self, tick: quantum.TickView, features: quantum.FeatureView
        ) -> quantum.Decision | None:
            price = features.price
            self.ema = price if self.n == 0 else self.ema + self.alpha * (price - self.ema)
            self.n += 1
            if self.n < self.period or price == self.ema:
                return None
            return quantum.Decision("LONG" if price > self.ema else "FLAT", 0.5, "ema")

    rng = np.random.default_rng(11)
    path = list(100 + np.cumsum(rng.normal(0, 0.05, 3_000)))
    compiled = quantum.backtest(
        prices(path), TARGETS.model_copy(update={"ema_cross": EmaCrossConfig(enabled=True)})
    )
    python = quantum.backtest(prices(path), TARGETS, strategies=[PyEma(20)])
    assert len(compiled.trades) > 20
    assert compiled.trades.drop(columns="confidence").equals(
        python.trades.drop(columns="confidence")
    )
