"""``quantum backtest``: load data, run the engine in chunks with a progress bar, print the metrics
and optionally write JSON, trades CSV and an HTML report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from quantum.audit import audit
from quantum.backtest import backtest
from quantum.backtest.chunked import DEFAULT_RUN_CHUNK, backtest_chunked
from quantum.backtest.report import write_report
from quantum.backtest.sources import load_ticks, open_source
from quantum.backtest.summary import metric_rows, result_document
from quantum.cli import options as o
from quantum.cli._errors import user_errors
from quantum.cli.progress import progress_bar
from quantum.data import load_funding_rates
from quantum.errors import DataError

__all__ = ["HELP", "backtest_cmd"]

HELP = (
    "Backtest the built-in strategies (or the market maker) on a data file or the seeded "
    "synthetic market.\n\n"
    "How fills are assumed: every order goes to a simulated venue. It arrives the order latency "
    "after the decision and is matched against the market the next event leaves: the book level "
    "by level with depth data, the bid or ask up to their shown size on quotes (the rest at an "
    "impact price), else the last price with slippage. A resting limit order waits behind the "
    "size shown at its price (--queue) and fills at its price when trades reach it or the market "
    "trades through it. Take-profit and stop-loss are real reduce-only orders. On bars, a "
    "decision taken on one bar fills at the next bar's open plus slippage, and that bar's high "
    "and low may then trigger the position's stop or target: the stop first when both were "
    "touched, a gap through the stop at the worse open. Bars without an open fill at their close "
    "and never exit on that bar's range. A position reaching its liquidation price is closed "
    "there with the liquidation fee. Funding is paid only at the funding times a position is "
    "open through, at the rate in force then. A signal Kelly sizes to zero is followed as a "
    "shadow trade (same rules, no capital), reported apart. See docs/backtesting.md and "
    "docs/simulator.md."
)

_OUT = "Output"


def backtest_cmd(
    data: o.DataPath = None,
    synthetic: o.Synthetic = None,
    seed: o.Seed = 7,
    symbols: o.Symbols = "BTCUSDT",
    capital: o.Capital = None,
    fee_bps: o.FeeBps = None,
    maker_fee_bps: o.MakerFeeBps = None,
    slippage_bps: o.SlippageBps = None,
    latency_ms: o.LatencyMs = None,
    take_profit: o.TakeProfit = None,
    stop_loss: o.StopLoss = None,
    leverage: o.Leverage = None,
    max_drawdown: o.MaxDrawdown = None,
    max_position: o.MaxPosition = None,
    max_trades_per_day: o.MaxTradesPerDay = None,
    max_leverage: o.MaxLeverage = None,
    max_open_positions: o.MaxOpenPositions = None,
    liquidation_hunter: o.LiqHunter = None,
    order_flow: o.OrderFlow = None,
    volatility_fader: o.VolFader = None,
    liq_ratio: o.LiqRatio = None,
    of_imbalance: o.OfImbalance = None,
    of_rsi_low: o.OfRsiLow = None,
    of_rsi_high: o.OfRsiHigh = None,
    of_min_score: o.OfMinScore = None,
    fader_multiple: o.FaderMultiple = None,
    strategy: o.Strategy = None,
    queue: o.Queue = None,
    order_latency_ms: o.OrderLatencyMs = None,
    feed_latency_ms: o.FeedLatencyMs = None,
    fees: o.Fees = None,
    sets: o.Sets = None,
    funding: Annotated[
        Path | None,
        typer.Option(
            help="funding-rate history CSV, charged at the funding times (tick data only)"
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="write everything as JSON", rich_help_panel=_OUT)
    ] = None,
    report_out: Annotated[
        Path | None,
        typer.Option("--report", help="write a self-contained HTML report", rich_help_panel=_OUT),
    ] = None,
    trades_out: Annotated[
        Path | None, typer.Option("--trades", help="write the trades as CSV", rich_help_panel=_OUT)
    ] = None,
    audit_run: Annotated[
        bool,
        typer.Option(
            "--audit",
            help="check every fill against the rules with the independent auditor (quantum.audit);"
            " exit 1 on any violation",
            rich_help_panel=_OUT,
        ),
    ] = False,
    chunk_rows: Annotated[
        int, typer.Option(help="ticks per engine call (progress granularity)", rich_help_panel=_OUT)
    ] = DEFAULT_RUN_CHUNK,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress",
            help="progress bars (default: on a terminal)",
            rich_help_panel=_OUT,
        ),
    ] = None,
) -> None:
    """Backtest the built-in strategies on a data file or the seeded synthetic market."""
    with user_errors():
        config = o.build_config(
            sets,
            capital=capital, fee_bps=fee_bps, maker_fee_bps=maker_fee_bps,
            slippage_bps=slippage_bps, latency_ms=latency_ms, take_profit=take_profit,
            stop_loss=stop_loss, leverage=leverage, max_drawdown=max_drawdown,
            max_position=max_position, max_trades_per_day=max_trades_per_day,
            max_leverage=max_leverage, max_open_positions=max_open_positions,
            liquidation_hunter=liquidation_hunter, order_flow=order_flow,
            volatility_fader=volatility_fader, liq_ratio=liq_ratio, of_imbalance=of_imbalance,
            of_rsi_low=of_rsi_low, of_rsi_high=of_rsi_high, of_min_score=of_min_score,
            fader_multiple=fader_multiple, strategy=strategy, queue=queue,
            order_latency_ms=order_latency_ms, feed_latency_ms=feed_latency_ms, fees=fees,
        )  # fmt: skip
        names = tuple(s.strip() for s in symbols.split(",") if s.strip())
        source = open_source(data, synthetic=synthetic, seed=seed, symbols=names)
        with progress_bar(progress) as bar:
            load_task = bar.add_task("loading", total=source.total_rows, unit="ticks")
            t0 = time.perf_counter()
            ticks = load_ticks(source, lambda rows: bar.advance(load_task, rows))
            load_s = time.perf_counter() - t0
            bar.update(load_task, total=len(ticks), completed=len(ticks))
            if funding is not None:
                schedule, _ = load_funding_rates(funding)
                ticks = schedule.apply_to(ticks)
            run_task = bar.add_task("backtest", total=len(ticks), unit="ticks")
            feed = source.feed()
            if feed is not None and funding is not None:
                raise DataError(
                    "--funding applies to tick data; L2 captures carry their own funding"
                )
            if feed is not None:
                # Depth drives the core's order books, merged with the ticks in arrival order.
                result = backtest(feed, config)
                bar.update(run_task, completed=len(ticks))
            else:
                result = backtest_chunked(
                    ticks,
                    config,
                    chunk_rows=chunk_rows,
                    on_chunk=lambda rows: bar.advance(run_task, rows),
                )
        if source.report.malformed:
            typer.echo(f"warning: {source.report.summary()}", err=True)
        shift = source.report.receive_clock_shift_ns
        if shift:
            typer.echo(
                f"note: the capture's clock ran {shift / 1e6:,.1f} ms behind the exchange's;"
                " receive times were moved that much later",
                err=True,
            )
        depth = source.depth()
        depth_messages = len(depth) if depth is not None else 0

        table = Table(title=f"Backtest: {source.description}", show_header=False)
        table.add_column("metric")
        table.add_column("value", justify="right")
        for label, value in metric_rows(result, load_s):
            table.add_row(label, value)
        Console(width=100).print(table)

        if json_out is not None:
            doc = result_document(
                result,
                source=source.description,
                load_s=load_s,
                config=config.model_dump(mode="json"),
            )
            doc["depth_messages"] = depth_messages
            json_out.write_text(json.dumps(doc, indent=2, allow_nan=False), encoding="utf-8")
            typer.echo(f"wrote {json_out}")
        if trades_out is not None:
            result.trades.to_csv(trades_out, index=False)
            typer.echo(f"wrote {trades_out} ({len(result.trades):,} trades)")
        if report_out is not None:
            write_report(report_out, result, ticks, source=source.description)
            typer.echo(f"wrote {report_out}")
        if audit_run:
            violations = audit(result, feed if feed is not None else ticks)
            if violations:
                for v in violations[:20]:
                    typer.echo(f"audit: {v}", err=True)
                typer.echo(f"audit: {len(violations):,} violations", err=True)
                raise typer.Exit(1)
            typer.echo(f"audit: clean ({len(result.fills):,} fills checked)")
