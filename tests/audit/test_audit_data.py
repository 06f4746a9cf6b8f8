"""The auditor over every data set in ``../shared/data`` and over random synthetic markets: every
backtest obeys the rules, with the default (Kelly-sized, shadow-trading) configuration and with
configurations that trade a lot (fixed sizes, caps that do not bind, latency, leverage, fees)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

import quantum
from quantum import EngineConfig, ExecutionConfig, FeatureConfig, RiskConfig, SanitizerConfig
from quantum.audit import audit
from quantum.data import TickColumns, generate

from .datasets import datasets

DATASETS = datasets()

LOOSE = RiskConfig(
    fixed_qty=None,
    max_trades_per_day=1_000_000,
    max_drawdown=1.0,
    max_position_notional=1.0,
    max_open_positions=10,
    kelly_min_trades=1_000_000,
    fixed_fraction=0.5,
)


def _configs(name: str) -> dict[str, EngineConfig]:
    spot = "binance_spot" in name and "l2_book" in name
    book = quantum.BookConfig(rule="binance_spot" if spot else "binance_futures")
    # The raw captures are seconds long and years old: features per tick, and receive latencies
    # as they were recorded (the limit is the sanitizer's, not the auditor's business).
    short = "raw_ws" in name
    features = FeatureConfig(bar_ns=0) if short else FeatureConfig()
    sanitizer = SanitizerConfig(max_latency_ns=60_000_000_000) if short else SanitizerConfig()
    base = EngineConfig(book=book, features=features, sanitizer=sanitizer)
    trading = base.model_copy(
        update={
            "risk": LOOSE,
            "execution": ExecutionConfig(min_hold_ns=0, latency_ns=50_000_000, maker_fee_bps=-1.0),
        }
    )
    levered = base.model_copy(
        update={
            "risk": LOOSE.model_copy(update={"max_leverage": 50.0}),
            "execution": ExecutionConfig(leverage=50.0, stop_loss=None, min_hold_ns=0),
        }
    )
    return {"default": base, "trading": trading, "levered": levered}


@pytest.fixture(scope="module", params=sorted(DATASETS))
def dataset(request: pytest.FixtureRequest) -> tuple[str, Any]:
    return request.param, DATASETS[request.param]()


def test_every_shared_data_set_backtests_clean(dataset: tuple[str, Any]) -> None:
    name, ticks = dataset
    traded = 0
    for label, config in _configs(name).items():
        result = quantum.backtest(ticks, config)
        violations = audit(result, ticks)
        assert violations == [], f"{name} {label}: {[str(v) for v in violations[:5]]}"
        traded += len(result.fills)
    if "KRAKEN.ws" not in name and "_20240719" not in name and "spot_btcusdt_20240809" not in name:
        # The data sets the engine can trade on trade: the audit checked real fills. (The Kraken
        # spot capture holds book messages only; the two continuation captures start without
        # the snapshot their book needs.)
        assert traded > 0, name


def _bars(ticks: TickColumns, span_ns: int) -> TickColumns:
    """One-minute-style bars of a single-symbol synthetic market: open, high, low, close,
    volume of each span, stamped at its end."""
    cols = ticks.columns
    ts, px, vol = cols["ts_event"], cols["price"], cols["volume"]
    key = ts // span_ns
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(ts)]
    end = (key[starts] + 1) * span_ns
    out = {
        "ts_event": end,
        "ts_recv": end,
        "symbol": np.zeros(len(starts), dtype=np.uint32),
        "open": px[starts],
        "high": np.maximum.reduceat(px, starts),
        "low": np.minimum.reduceat(px, starts),
        "close": px[ends - 1],
        "volume": np.add.reduceat(vol, starts),
        "funding_rate": cols["funding_rate"][ends - 1],
    }
    return TickColumns(out, ticks.symbol_names)


def _synthetic_case(seed: int) -> tuple[Any, EngineConfig]:
    """A market and a configuration drawn from ``seed``: ticks of one or two symbols or bars;
    latency, leverage, fees, sizing and the funding interval varied."""
    rng = np.random.default_rng(seed)
    kind = seed % 4
    symbols = ("BTCUSDT", "ETHUSDT") if kind == 1 else ("BTCUSDT",)
    interval = int(rng.choice([100_000_000, 1_000_000_000]))
    ticks: Any = generate(6_000, seed=seed, symbols=symbols, tick_interval_ns=interval)
    if kind == 3:
        ticks = _bars(generate(60_000, seed=seed, tick_interval_ns=interval), 60 * interval)
    leverage = float(rng.choice([1.0, 5.0, 25.0, 100.0]))
    sizing = [
        RiskConfig(),  # Kelly: shadow trades once a strategy's edge is gone
        LOOSE.model_copy(update={"fixed_qty": 0.01}),
        LOOSE.model_copy(update={"kelly_min_trades": 5, "kelly_prior_trades": 10}),
        RiskConfig(max_position_notional=0.02, max_trades_per_day=25, max_open_positions=1),
    ][int(rng.integers(4))]
    execution = ExecutionConfig(
        latency_ns=int(rng.choice([0, 30_000_000, 250_000_000, 2_000_000_000])),
        leverage=leverage,
        taker_fee_bps=float(rng.choice([0.0, 4.0, 5.0])),
        maker_fee_bps=float(rng.choice([-1.0, 0.0, 2.0])),
        slippage_bps=float(rng.choice([0.0, 1.0, 3.0])),
        stop_loss=None if rng.random() < 0.3 else 0.005,
        take_profit=None if rng.random() < 0.2 else 0.01,
        min_hold_ns=int(rng.choice([0, 5_000_000_000])),
        funding_interval_ns=int(rng.choice([60_000_000_000, 8 * 3_600_000_000_000])),
    )
    risk = sizing.model_copy(update={"max_leverage": max(leverage, 10.0)})
    features = FeatureConfig(bar_ns=int(rng.choice([0, 1_000_000_000])))
    return ticks, EngineConfig(execution=execution, risk=risk, features=features)


@functools.cache
def _run(seed: int) -> tuple[list[str], int, int, int, int]:
    """Backtests and audits case ``seed``: its violations and what it exercised (fills,
    liquidations, shadow trades, funding payments)."""
    ticks, config = _synthetic_case(seed)
    result = quantum.backtest(ticks, config)
    violations = [str(v) for v in audit(result, ticks)]
    liquidations = int((result.fills["exit_reason"] == "liquidation").sum())
    return (
        violations,
        len(result.fills),
        liquidations,
        len(result.shadow_trades),
        len(result.funding),
    )


SEEDS = range(210)


@pytest.mark.parametrize("block", range(10))
def test_random_synthetic_markets_and_configurations_backtest_clean(block: int) -> None:
    """210 seeds, 21 per block (a failure names its seed)."""
    fills = 0
    for seed in SEEDS[block * 21 : block * 21 + 21]:
        violations, n, _, _, _ = _run(seed)
        assert violations == [], f"seed {seed}: {violations[:5]}"
        fills += n
    assert fills > 100, fills


def test_the_random_cases_exercise_liquidations_shadow_trades_and_funding() -> None:
    totals = [_run(seed)[2:] for seed in SEEDS]
    liq, shadow, funding = (sum(x) for x in zip(*totals, strict=True))
    assert liq > 0 and shadow > 0 and funding > 0, (liq, shadow, funding)
