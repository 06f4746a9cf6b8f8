"""Quantum HFT: an educational crypto HFT research system with a compiled Rust core.

WARNING: this project is for education. It is a simplified but working HFT system built to teach
the key ideas. Do not use it to trade real money. Trading carries a high risk of loss.
"""

from __future__ import annotations

from quantum import errors
from quantum.audit import Violation, audit
from quantum.backtest import BacktestResult, backtest
from quantum.engine import (
    BookConfig,
    EmaCrossConfig,
    Engine,
    EngineConfig,
    Event,
    ExecutionConfig,
    FeatureConfig,
    LiquidationHunterConfig,
    OrderFlowConfig,
    RiskConfig,
    SanitizerConfig,
    VolatilityFaderConfig,
)
from quantum.strategy import (
    Decision,
    FeatureView,
    OrderContext,
    OrderEventView,
    OrderStrategy,
    Strategy,
    TickView,
)
from quantum.ticks import COLUMNS, TickBatch, to_batch

__all__ = [
    "COLUMNS",
    "DISCLAIMER",
    "BacktestResult",
    "BookConfig",
    "Decision",
    "EmaCrossConfig",
    "Engine",
    "EngineConfig",
    "Event",
    "ExecutionConfig",
    "FeatureConfig",
    "FeatureView",
    "LiquidationHunterConfig",
    "OrderContext",
    "OrderEventView",
    "OrderFlowConfig",
    "OrderStrategy",
    "RiskConfig",
    "SanitizerConfig",
    "Strategy",
    "TickBatch",
    "TickView",
    "Violation",
    "VolatilityFaderConfig",
    "audit",
    "backtest",
    "errors",
    "to_batch",
]
__version__ = "0.1.0"

DISCLAIMER = (
    "WARNING: this project is for education. It is a simplified but working HFT system built to "
    "teach the key ideas. A competitive HFT operation needs $1M-5M of capital and a team of "
    "specialised engineers. Do not use this system to trade real money. Trading carries a high "
    "risk of loss."
)
