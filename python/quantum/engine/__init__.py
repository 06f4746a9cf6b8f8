"""The engine and its configuration."""

from quantum.engine.config import (
    BookConfig,
    EmaCrossConfig,
    EngineConfig,
    ExecutionConfig,
    FeatureConfig,
    LiquidationHunterConfig,
    OrderFlowConfig,
    RiskConfig,
    SanitizerConfig,
    VolatilityFaderConfig,
)
from quantum.engine.engine import Engine, Event

__all__ = [
    "BookConfig",
    "EmaCrossConfig",
    "Engine",
    "EngineConfig",
    "Event",
    "ExecutionConfig",
    "FeatureConfig",
    "LiquidationHunterConfig",
    "OrderFlowConfig",
    "RiskConfig",
    "SanitizerConfig",
    "VolatilityFaderConfig",
]
