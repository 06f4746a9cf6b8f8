"""Typed, frozen configuration of the engine, mirroring the Rust config tree field for field.

Defaults are the SPEC's. Unknown fields are an error on both sides of the boundary
(pydantic ``extra="forbid"`` here, serde ``deny_unknown_fields`` in the core).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BookConfig",
    "EmaCrossConfig",
    "EngineConfig",
    "ExecutionConfig",
    "FeatureConfig",
    "LatencyConfig",
    "LiquidationHunterConfig",
    "MarketMakerConfig",
    "OrderFlowConfig",
    "QueueConfig",
    "RiskConfig",
    "SanitizerConfig",
    "VolatilityFaderConfig",
]

_NS_PER_MS = 1_000_000


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SanitizerConfig(_Frozen):
    """L0 sanitizer limits (SPEC §4)."""

    max_latency_ns: int = Field(100 * _NS_PER_MS, ge=0, description="receive − exchange time, ns")
    max_spread: float = Field(0.005, gt=0, description="(ask − bid) / mid")
    max_jump_sigmas: float = Field(
        20.0, gt=0, description="price jump limit in recent volatilities"
    )
    min_jump_sigma: float = Field(0.001, gt=0, description="volatility floor, fraction of price")
    jump_warmup: int = Field(20, ge=0, description="ticks before the jump check is active")
    jump_reanchor_after: int = Field(
        5, ge=1, description="consecutive jumps accepted as a real gap"
    )


class FeatureConfig(_Frozen):
    """Feature windows shared by the strategies, in bars: the data's own bars, or time bars of
    ``bar_ns`` built from a tick feed."""

    rsi_period: int = Field(14, ge=1, le=256, description="RSI period, bars")
    tr_window: int = Field(20, ge=1, le=256, description="true-range mean window, bars")
    liquidity_window: int = Field(100, ge=1, le=256, description="liquidity median window, bars")
    imbalance_source: Literal["quotes", "trade_flow"] = "quotes"
    ema_period: int = Field(20, ge=1, description="EMA period, bars")
    bar_ns: int = Field(
        1_000_000_000,
        ge=0,
        description="time bars built from tick feeds, ns of exchange time; 0 = every tick a bar",
    )


class LiquidationHunterConfig(_Frozen):
    """Liquidation Hunter (SPEC §6)."""

    enabled: bool = True
    min_liq_ratio: float = Field(
        0.8, ge=0, description="liquidated / traded volume over the window, fraction"
    )
    window_ns: int = Field(1_000_000_000, gt=0, description="rolling window, ns of exchange time")
    min_events: int = Field(1, ge=1, description="liquidation messages the window must hold")
    confidence: float = Field(0.85, ge=0, le=1)


class OrderFlowConfig(_Frozen):
    """Order Flow (SPEC §6)."""

    enabled: bool = True
    imbalance_threshold: float = Field(0.15, ge=0, le=1)
    rsi_low: float = Field(40.0, ge=0, le=100)
    rsi_high: float = Field(60.0, ge=0, le=100)
    liquidity_threshold: float = Field(0.5, ge=0, le=1)
    min_score: float = Field(1.5, ge=0)
    max_score: float = Field(2.5, gt=0)


class VolatilityFaderConfig(_Frozen):
    """Volatility Spike Fader (SPEC §6)."""

    enabled: bool = True
    multiple: float = Field(2.0, gt=0)
    confidence: float = Field(0.75, ge=0, le=1)


class EmaCrossConfig(_Frozen):
    """EMA-cross: long above the EMA, flat (or short) below. Off by default."""

    enabled: bool = False
    short_below: bool = False
    confidence: float = Field(0.5, ge=0, le=1)


class RiskConfig(_Frozen):
    """DRB-Guard limits and sizing (SPEC §8)."""

    max_drawdown: float = Field(0.15, gt=0, le=1)
    max_position_notional: float = Field(0.05, gt=0, le=1, description="fraction of equity")
    max_trades_per_day: int = Field(50, ge=0)
    max_leverage: float = Field(10.0, ge=1)
    max_open_positions: int = Field(5, ge=0)
    kelly_fraction: float = Field(0.25, ge=0, le=1)
    kelly_min_trades: int = Field(
        20, ge=0, description="a strategy's trades (real + shadow) before Kelly"
    )
    kelly_prior_trades: int = Field(
        0, ge=0, description="weight, in trades, of the shrinkage toward fixed_fraction"
    )
    fixed_fraction: float = Field(
        0.01, ge=0, le=1, description="notional / equity before Kelly, and of shadow trades"
    )
    fixed_qty: float | None = Field(None, gt=0, description="fixed entry size instead of Kelly")


class QueueConfig(_Frozen):
    """Where a resting limit order stands in its level's queue (``docs/simulator.md``)."""

    model: Literal["risk_averse", "prob", "none"] = Field(
        "risk_averse",
        description="risk_averse: only trades move it; prob: cancellations split by position;"
        " none: fills when a trade touches its price",
    )
    shape: Literal["power", "log"] = Field("power", description="shape of the prob model")
    power: float = Field(3.0, gt=0, description="exponent of the power shape")


class LatencyConfig(_Frozen):
    """A latency model: the data's own receive times (feed only), a constant, or samples drawn
    with a seed."""

    kind: Literal["recorded", "constant", "empirical"] = "constant"
    entry_ns: int = Field(0, ge=0, description="constant: entry (or feed delivery) latency, ns")
    response_ns: int = Field(0, ge=0, description="constant: response latency, ns")
    samples_ns: list[tuple[int, int]] = Field(
        default_factory=list, description="empirical: (entry, response) samples, ns"
    )
    file: str | None = Field(None, description="empirical: a samples file, ns per line")
    seed: int = Field(0, ge=0, description="empirical: seed of the draws")


class ExecutionConfig(_Frozen):
    """Fill model, fees, exits, leverage and funding (SPEC §7)."""

    taker_fee_bps: float = Field(5.0, ge=0)
    maker_fee_bps: float = Field(5.0, description="negative: a rebate")
    fees: Literal["binance_usdm", "bybit", "okx"] | None = Field(
        None, description="a venue's base-tier maker/taker rates instead of the two above"
    )
    liquidation_fee_bps: float = Field(50.0, ge=0, description="charged when liquidated, bps")
    slippage_bps: float = Field(1.0, ge=0, description="where only a last price is known, bps")
    impact_bps: float = Field(
        5.0, ge=0, description="beyond the touch's displayed size, on quotes only, bps"
    )
    latency_ns: int = Field(
        0, ge=0, description="constant entry latency when order_latency is unset"
    )
    order_latency: LatencyConfig | None = Field(None, description="entry and response latency")
    feed_latency: LatencyConfig = LatencyConfig(kind="recorded")
    queue: QueueConfig = QueueConfig()
    min_hold_ns: int = Field(
        30_000_000_000, ge=0, description="no signal closes or reverses a younger position, ns"
    )
    take_profit: float | None = Field(0.01, gt=0, description="None disables take-profit")
    stop_loss: float | None = Field(0.005, gt=0, lt=1, description="None disables stop-loss")
    leverage: float = Field(1.0, ge=1)
    maintenance_margin: float = Field(0.004, ge=0, lt=1)
    funding_interval_ns: int = Field(
        8 * 3600 * 1_000_000_000, ge=60 * 1_000_000_000, description="funding times, ns apart"
    )
    qty_step: float = Field(1e-8, gt=0)


class MarketMakerConfig(_Frozen):
    """The built-in market maker (``docs/simulator.md``): Avellaneda–Stoikov quotes, or the
    best bid and ask, within a hard inventory cap."""

    enabled: bool = False
    rule: Literal["avellaneda_stoikov", "touch"] = "avellaneda_stoikov"
    order_qty: float = Field(0.001, gt=0, description="size of each quote, base units")
    max_position: float = Field(0.005, gt=0, description="hard inventory cap, base units")
    gamma: float = Field(0.1, gt=0, description="risk aversion, per lot and unit of price")
    kappa: float = Field(1.5, gt=0, description="fill-intensity decay, per unit of price")
    horizon_s: float = Field(1.0, gt=0, description="horizon, seconds")
    vol_halflife_s: float = Field(30.0, gt=0, description="volatility estimate half-life, s")
    tick_size: float = Field(0.1, gt=0, description="quotes are rounded to it")
    requote_ticks: float = Field(1.0, ge=0, description="move a quote only this far off")
    post_only: bool = True


class BookConfig(_Frozen):
    """Order books driven by L2 depth data (SPEC §5)."""

    rule: Literal["binance_futures", "binance_spot", "bybit", "okx", "none"] = "binance_futures"
    depth_bps: float = Field(10.0, gt=0, description="near-touch depth the strategies score")


class EngineConfig(_Frozen):
    """Everything the engine needs; pass it to :class:`quantum.Engine` or :func:`quantum.backtest`."""

    initial_capital: float = Field(10_000.0, gt=0)
    auto_execute: bool = True
    equity_sample_ns: int = Field(60 * 1_000_000_000, gt=0)
    journal: bool = Field(
        True, description="keep every fill, funding payment and rejected tick (reports, audit)"
    )
    sanitizer: SanitizerConfig = SanitizerConfig()
    features: FeatureConfig = FeatureConfig()
    liquidation_hunter: LiquidationHunterConfig = LiquidationHunterConfig()
    order_flow: OrderFlowConfig = OrderFlowConfig()
    volatility_fader: VolatilityFaderConfig = VolatilityFaderConfig()
    ema_cross: EmaCrossConfig = EmaCrossConfig()
    market_maker: MarketMakerConfig = MarketMakerConfig()
    risk: RiskConfig = RiskConfig()
    execution: ExecutionConfig = ExecutionConfig()
    book: BookConfig = BookConfig()
