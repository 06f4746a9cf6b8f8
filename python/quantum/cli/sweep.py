"""``quantum sweep``: a grid of strategy parameters over one data set, in parallel, ranked."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from quantum.backtest.sources import load_ticks, open_source
from quantum.backtest.sweep import (
    RANKABLE,
    Executor,
    LocalExecutor,
    RayExecutor,
    expand_grid,
    parse_grid_axis,
    run_sweep,
    write_table,
)
from quantum.cli import options as o
from quantum.cli._errors import user_errors
from quantum.cli.progress import progress_bar
from quantum.errors import ConfigError

__all__ = ["sweep_cmd"]

_SWEEP = "Sweep"


def sweep_cmd(
    grid: Annotated[
        list[str],
        typer.Option(
            "--grid",
            help="PATH=V1,V2,… (e.g. order_flow.rsi_low=30,35,40); repeatable",
            rich_help_panel=_SWEEP,
        ),
    ],
    out: Annotated[
        Path, typer.Option(help="ranked table: .csv or .json", rich_help_panel=_SWEEP)
    ] = Path("sweep.csv"),
    rank_by: Annotated[
        str, typer.Option(help=f"metric: {', '.join(RANKABLE)}", rich_help_panel=_SWEEP)
    ] = "sharpe",
    workers: Annotated[
        int | None, typer.Option(help="parallel runs (default: all cores)", rich_help_panel=_SWEEP)
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            help="run on a Ray cluster at ADDRESS ('auto', 'ray://host:10001', "
            "or 'local' for a private local cluster)",
            rich_help_panel=_SWEEP,
        ),
    ] = None,
    top: Annotated[int, typer.Option(help="rows to print", rich_help_panel=_SWEEP)] = 10,
    data: o.DataPath = None,
    synthetic: o.Synthetic = None,
    seed: o.Seed = 7,
    symbols: o.Symbols = "BTCUSDT",
    capital: o.Capital = None,
    fee_bps: o.FeeBps = None,
    latency_ms: o.LatencyMs = None,
    liquidation_hunter: o.LiqHunter = None,
    order_flow: o.OrderFlow = None,
    volatility_fader: o.VolFader = None,
    sets: o.Sets = None,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="progress bars")
    ] = None,
) -> None:
    """Backtest every combination of the --grid values and write the ranked metrics table."""
    with user_errors():
        base = o.build_config(
            sets,
            capital=capital, fee_bps=fee_bps, latency_ms=latency_ms,
            liquidation_hunter=liquidation_hunter, order_flow=order_flow,
            volatility_fader=volatility_fader,
        )  # fmt: skip
        axes = dict(parse_grid_axis(g) for g in grid)
        if len(axes) != len(grid):
            raise ConfigError("each --grid path may appear once")
        points = len(expand_grid(axes))
        executor: Executor = RayExecutor(ray) if ray else LocalExecutor(workers)
        names = tuple(s.strip() for s in symbols.split(",") if s.strip())
        source = open_source(data, synthetic=synthetic, seed=seed, symbols=names)
        with progress_bar(progress) as bar:
            load_task = bar.add_task("loading", total=source.total_rows, unit="ticks")
            ticks = load_ticks(source, lambda rows: bar.advance(load_task, rows))
            bar.update(load_task, total=len(ticks), completed=len(ticks))
            task = bar.add_task("sweep", total=points, unit="runs")
            t0 = time.perf_counter()
            table = run_sweep(
                ticks,
                axes,
                base,
                rank_by=rank_by,
                executor=executor,
                on_done=lambda n: bar.advance(task, n),
            )
            wall = time.perf_counter() - t0
        write_table(table, out)

        shown = Table(title=f"Sweep over {source.description}, ranked by {rank_by}")
        columns = ["rank", *axes, "num_trades", "net_pnl", "sharpe", "max_drawdown"]
        if rank_by not in columns:
            columns.append(rank_by)
        for c in columns:
            shown.add_column(c, justify="right")
        for record in table.head(top).to_dict("records"):
            shown.add_row(*(_cell(record[c]) for c in columns))
        Console(width=140).print(shown)
        where = f"Ray at {ray}" if ray else f"{getattr(executor, 'workers', 1)} local workers"
        typer.echo(
            f"{points} runs × {len(ticks):,} ticks in {wall:,.2f} s on {where} "
            f"({points * len(ticks) / wall:,.0f} ticks/s); wrote {out}"
        )


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)
