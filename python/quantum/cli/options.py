"""Command-line options shared by ``quantum backtest`` and ``quantum sweep``, and how they become an
:class:`~quantum.EngineConfig`.

Options left out keep the engine's defaults (the SPEC's); ``--set PATH=VALUE`` reaches every other
field of the config tree (``--set order_flow.rsi_low=35``), so no parameter is out of reach.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Final

import typer

from quantum.backtest.sweep import apply_overrides, parse_assignment
from quantum.engine import EngineConfig
from quantum.errors import ConfigError

__all__ = ["build_config"]

_DATA = "Data"
_ACCOUNT = "Account, fees and latency"
_RISK = "Risk limits (DRB-Guard)"
_STRAT = "Strategies"

DataPath = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Binance kline or trade CSV (gzip or plain), or a tick Parquet file",
        rich_help_panel=_DATA,
    ),
]
Synthetic = Annotated[
    int | None,
    typer.Option(help="ticks of the seeded synthetic market (default without --data: 1,000,000)",
                 rich_help_panel=_DATA),
]  # fmt: skip
Seed = Annotated[int, typer.Option(help="synthetic market seed", rich_help_panel=_DATA)]
Symbols = Annotated[
    str, typer.Option(help="synthetic symbols, comma-separated", rich_help_panel=_DATA)
]

Capital = Annotated[
    float | None, typer.Option(help="initial capital, quote currency", rich_help_panel=_ACCOUNT)
]
FeeBps = Annotated[
    float | None,
    typer.Option(help="taker fee per fill, bps of notional (default 5)", rich_help_panel=_ACCOUNT),
]
MakerFeeBps = Annotated[
    float | None, typer.Option(help="maker fee per fill, bps", rich_help_panel=_ACCOUNT)
]
SlippageBps = Annotated[
    float | None, typer.Option(help="slippage without quotes, bps", rich_help_panel=_ACCOUNT)
]
LatencyMs = Annotated[
    float | None, typer.Option(help="decision-to-fill latency, ms", rich_help_panel=_ACCOUNT)
]
TakeProfit = Annotated[
    float | None, typer.Option(help="take profit, fraction (0.01 = 1 %)", rich_help_panel=_ACCOUNT)
]
StopLoss = Annotated[
    float | None, typer.Option(help="stop loss, fraction (0.005 = 0.5 %)", rich_help_panel=_ACCOUNT)
]
Leverage = Annotated[
    float | None, typer.Option(help="leverage of new positions", rich_help_panel=_ACCOUNT)
]

MaxDrawdown = Annotated[
    float | None,
    typer.Option(help="halt beyond this drawdown from peak, fraction", rich_help_panel=_RISK),
]
MaxPosition = Annotated[
    float | None,
    typer.Option(help="max position notional, fraction of equity", rich_help_panel=_RISK),
]
MaxTradesPerDay = Annotated[
    int | None, typer.Option(help="max entries per UTC day", rich_help_panel=_RISK)
]
MaxLeverage = Annotated[float | None, typer.Option(help="max leverage", rich_help_panel=_RISK)]
MaxOpenPositions = Annotated[
    int | None, typer.Option(help="max open positions", rich_help_panel=_RISK)
]

LiqHunter = Annotated[
    bool | None,
    typer.Option(
        "--liquidation-hunter/--no-liquidation-hunter",
        help="enable Liquidation Hunter",
        rich_help_panel=_STRAT,
    ),
]
OrderFlow = Annotated[
    bool | None,
    typer.Option("--order-flow/--no-order-flow", help="enable Order Flow", rich_help_panel=_STRAT),
]
VolFader = Annotated[
    bool | None,
    typer.Option(
        "--volatility-fader/--no-volatility-fader",
        help="enable Volatility Spike Fader",
        rich_help_panel=_STRAT,
    ),
]
LiqRatio = Annotated[
    float | None,
    typer.Option(
        help="Liquidation Hunter: liquidation / volume ratio (0.8)", rich_help_panel=_STRAT
    ),
]
OfImbalance = Annotated[
    float | None,
    typer.Option(help="Order Flow: |imbalance| threshold (0.15)", rich_help_panel=_STRAT),
]
OfRsiLow = Annotated[
    float | None,
    typer.Option(help="Order Flow: RSI below → exhausted selling (40)", rich_help_panel=_STRAT),
]
OfRsiHigh = Annotated[
    float | None,
    typer.Option(help="Order Flow: RSI above → exhausted buying (60)", rich_help_panel=_STRAT),
]
OfMinScore = Annotated[
    float | None, typer.Option(help="Order Flow: minimum score (1.5)", rich_help_panel=_STRAT)
]
FaderMultiple = Annotated[
    float | None,
    typer.Option(
        help="Volatility Fader: true-range multiple of its mean (2)", rich_help_panel=_STRAT
    ),
]
_SIM = "Venue simulator"
Strategy = Annotated[
    str | None,
    typer.Option(
        help="builtin (the signal strategies, default), market_maker (Avellaneda–Stoikov quotes)"
        " or touch_quoter (best bid and ask, the hftbacktest comparison's rule)",
        rich_help_panel=_SIM,
    ),
]
Queue = Annotated[
    str | None,
    typer.Option(
        help="queue model of resting orders: risk_averse (default), prob or none",
        rich_help_panel=_SIM,
    ),
]
OrderLatencyMs = Annotated[
    float | None,
    typer.Option(
        help="order latency, ms, each way (entry to the venue and response back)",
        rich_help_panel=_SIM,
    ),
]
FeedLatencyMs = Annotated[
    float | None,
    typer.Option(
        help="feed latency, ms: the strategy sees each event this long after it happened"
        " (default: the data's receive times)",
        rich_help_panel=_SIM,
    ),
]
Fees = Annotated[
    str | None,
    typer.Option(
        help="a venue's base-tier maker/taker fees: binance_usdm, bybit or okx",
        rich_help_panel=_SIM,
    ),
]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="any config field, PATH=VALUE (e.g. --set features.rsi_period=21); repeatable",
                 rich_help_panel=_STRAT),
]  # fmt: skip

_PATHS: dict[str, tuple[str, float]] = {
    # option name → (config path, scale from the option's unit to the config's)
    "capital": ("initial_capital", 1),
    "fee_bps": ("execution.taker_fee_bps", 1),
    "maker_fee_bps": ("execution.maker_fee_bps", 1),
    "slippage_bps": ("execution.slippage_bps", 1),
    "latency_ms": ("execution.latency_ns", 1_000_000),
    "take_profit": ("execution.take_profit", 1),
    "stop_loss": ("execution.stop_loss", 1),
    "leverage": ("execution.leverage", 1),
    "max_drawdown": ("risk.max_drawdown", 1),
    "max_position": ("risk.max_position_notional", 1),
    "max_trades_per_day": ("risk.max_trades_per_day", 1),
    "max_leverage": ("risk.max_leverage", 1),
    "max_open_positions": ("risk.max_open_positions", 1),
    "liquidation_hunter": ("liquidation_hunter.enabled", 1),
    "order_flow": ("order_flow.enabled", 1),
    "volatility_fader": ("volatility_fader.enabled", 1),
    "liq_ratio": ("liquidation_hunter.min_liq_ratio", 1),
    "of_imbalance": ("order_flow.imbalance_threshold", 1),
    "of_rsi_low": ("order_flow.rsi_low", 1),
    "of_rsi_high": ("order_flow.rsi_high", 1),
    "of_min_score": ("order_flow.min_score", 1),
    "fader_multiple": ("volatility_fader.multiple", 1),
}


_STRATEGIES: Final[tuple[str, ...]] = ("builtin", "market_maker", "touch_quoter")
_QUEUES: Final[tuple[str, ...]] = ("risk_averse", "prob", "none")
_FEES: Final[tuple[str, ...]] = ("binance_usdm", "bybit", "okx")


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"--{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _sim_overrides(options: dict[str, Any]) -> dict[str, Any]:
    """The venue simulator's options as config overrides (and removes them from ``options``)."""
    out: dict[str, Any] = {}
    strategy = options.pop("strategy", None)
    if strategy is not None and _choice("strategy", strategy, _STRATEGIES) != "builtin":
        # An order strategy alone: the signal strategies are off.
        for s in ("liquidation_hunter", "order_flow", "volatility_fader"):
            out[f"{s}.enabled"] = False
        out["market_maker.enabled"] = True
        if strategy == "touch_quoter":
            out["market_maker.rule"] = "touch"
            out["market_maker.post_only"] = False
    queue = options.pop("queue", None)
    if queue is not None:
        out["execution.queue.model"] = _choice("queue", queue, _QUEUES)
    fees = options.pop("fees", None)
    if fees is not None:
        out["execution.fees"] = _choice("fees", fees, _FEES)
    for name, path in (("order_latency_ms", "order_latency"), ("feed_latency_ms", "feed_latency")):
        ms = options.pop(name, None)
        if ms is None:
            continue
        if not ms >= 0:
            raise ConfigError(f"--{name.replace('_', '-')} must be >= 0")
        ns = round(ms * 1_000_000)
        response = ns if path == "order_latency" else 0
        out[f"execution.{path}"] = {"kind": "constant", "entry_ns": ns, "response_ns": response}
    return out


def build_config(sets: list[str] | None = None, **options: Any) -> EngineConfig:
    """The engine config from CLI options (None = keep the default), then ``--set`` assignments.

    The fee option sets both taker and maker fees unless ``maker_fee_bps`` is given too.
    """
    overrides: dict[str, Any] = _sim_overrides(options)
    for name, value in options.items():
        if value is None:
            continue
        path, scale = _PATHS[name]
        if isinstance(value, bool):
            overrides[path] = value
        elif path.endswith("_ns"):
            overrides[path] = round(value * scale)
        else:
            overrides[path] = value * scale if scale != 1 else value
    if options.get("fee_bps") is not None and options.get("maker_fee_bps") is None:
        overrides["execution.maker_fee_bps"] = options["fee_bps"]
    for text in sets or []:
        key, value = parse_assignment(text)
        overrides[key] = value
    return apply_overrides(EngineConfig(), overrides)
