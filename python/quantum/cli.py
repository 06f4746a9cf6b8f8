"""The ``quantum`` command."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from quantum import DISCLAIMER
from quantum.backtest import BacktestResult, backtest
from quantum.engine import EngineConfig, ExecutionConfig, RiskConfig
from quantum.store.cli import db_app

app = typer.Typer(help="Quantum HFT: educational crypto HFT research system.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DEFAULT_SYNTHETIC_TICKS = 1_000_000


def _load(data: Path | None, synthetic: int | None, seed: int) -> tuple[Any, str]:
    from quantum import data as qdata

    if data is None:
        n = synthetic or DEFAULT_SYNTHETIC_TICKS
        return qdata.generate(n, seed=seed), f"synthetic market ({n:,} ticks, seed {seed})"
    name = data.name.lower()
    if "kline" in str(data).lower() or name.endswith(
        ("_1m.csv.gz", "_1h.csv.gz", "_1m.csv", "_1h.csv")
    ):
        ticks, report = qdata.load_binance_klines(data)
    elif "trade" in name:
        ticks, report = qdata.load_binance_trades(data)
    elif name.endswith(".parquet"):
        return qdata.read_ticks_parquet(data), str(data)
    else:
        raise typer.BadParameter(f"unrecognised data file {data}", param_hint="--data")
    if report.malformed:
        typer.echo(f"skipped {report.malformed} malformed rows; first: {report.first_errors[:3]}")
    return ticks, str(data)


def _fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:,.4f}"
    return str(value)


def _report(result: BacktestResult, source: str) -> str:
    m = result.metrics
    rows = [
        ("data", source),
        ("ticks", f"{result.ticks_processed:,}"),
        ("ticks rejected", f"{result.stats.get('ticks_rejected', 0):,}"),
        ("ticks/s (engine)", f"{result.ticks_per_s:,.0f}"),
        ("trades", m["num_trades"]),
        ("win rate", _fmt(m["win_rate"])),
        ("total P&L (gross)", _fmt(m["total_pnl"])),
        ("net P&L", _fmt(m["net_pnl"])),
        ("fees", _fmt(m["fees"])),
        ("funding", _fmt(m["funding"])),
        ("profit factor", _fmt(m["profit_factor"])),
        ("Sharpe (daily, 365)", _fmt(m["sharpe"])),
        ("Sortino (daily, 365)", _fmt(m["sortino"])),
        ("max drawdown", f"{m['max_drawdown']:.2%}"),
        ("exposure", f"{m['exposure']:.2%}"),
        ("final equity", _fmt(m["final_equity"])),
    ]
    rows += [(f"rejected: {k}", f"{v:,}") for k, v in sorted(result.rejections.items())]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@app.command("backtest")
def backtest_cmd(
    data: Annotated[
        Path | None, typer.Option(help="Binance kline/trade CSV or tick Parquet")
    ] = None,
    synthetic: Annotated[int | None, typer.Option(help="ticks of the synthetic market")] = None,
    seed: Annotated[int, typer.Option(help="synthetic market seed")] = 7,
    capital: Annotated[float, typer.Option(help="initial capital")] = 10_000.0,
    fee_bps: Annotated[float, typer.Option(help="taker fee per side, bps")] = 5.0,
    latency_ms: Annotated[float, typer.Option(help="order latency, ms")] = 0.0,
    max_drawdown: Annotated[float, typer.Option(help="DRB-Guard drawdown limit")] = 0.15,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write the report as JSON")
    ] = None,
    trades_out: Annotated[Path | None, typer.Option("--trades", help="write trades as CSV")] = None,
) -> None:
    """Backtest the built-in strategies (default: the embedded synthetic market)."""
    typer.echo(DISCLAIMER + "\n")
    ticks, source = _load(data, synthetic, seed)
    config = EngineConfig(
        initial_capital=capital,
        execution=ExecutionConfig(
            taker_fee_bps=fee_bps, maker_fee_bps=fee_bps, latency_ns=int(latency_ms * 1e6)
        ),
        risk=RiskConfig(max_drawdown=max_drawdown),
    )
    result = backtest(ticks, config)
    typer.echo(_report(result, source))
    if json_out is not None:
        doc = {
            "ticks": result.ticks_processed,
            "ticks_rejected": result.stats.get("ticks_rejected", 0),
            "trades": result.metrics["num_trades"],
            "metrics": {k: _jsonable(v) for k, v in result.metrics.items()},
            "rejections": result.rejections,
            "elapsed_s": result.elapsed_s,
            "ticks_per_s": result.ticks_per_s,
        }
        json_out.write_text(json.dumps(doc, indent=2))
    if trades_out is not None:
        result.trades.to_csv(trades_out, index=False)


@app.command("version")
def version() -> None:
    """Print the version."""
    from quantum import __version__

    typer.echo(__version__)
