"""Fixtures for backtest-level tests: a busy config and small synthetic markets."""

from __future__ import annotations

import pytest

from quantum.data import TickColumns, generate
from quantum.engine import EngineConfig, ExecutionConfig, FeatureConfig, RiskConfig

# Fixed-fraction sizing, no daily cap, no minimum holding time and features per tick: thousands
# of trades on 100k synthetic ticks, so every comparison below is over real activity, not over an
# idle engine.
BUSY = EngineConfig(
    risk=RiskConfig(kelly_min_trades=1_000_000, max_trades_per_day=1_000_000, max_drawdown=1.0),
    execution=ExecutionConfig(min_hold_ns=0),
    features=FeatureConfig(bar_ns=0),
)


@pytest.fixture(scope="session")
def busy_config() -> EngineConfig:
    return BUSY


@pytest.fixture(scope="session")
def market() -> TickColumns:
    return generate(100_000, seed=3)


@pytest.fixture(scope="session")
def two_symbol_market() -> TickColumns:
    return generate(40_000, seed=11, symbols=("BTCUSDT", "ETHUSDT"))
