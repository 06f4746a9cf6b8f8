"""``quantum synth``: write the seeded synthetic market to a Parquet tick file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quantum import data as qdata
from quantum.cli._errors import user_errors
from quantum.cli.progress import progress_bar

__all__ = ["synth_cmd"]

_WRITE_CHUNK = 1_000_000


def synth_cmd(
    out: Annotated[Path, typer.Argument(help="Parquet file to write")],
    ticks: Annotated[int, typer.Option(help="number of ticks (all symbols together)")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="random seed; same seed, same file")] = 7,
    symbols: Annotated[str, typer.Option(help="symbols, comma-separated")] = "BTCUSDT",
    interval_ms: Annotated[float, typer.Option(help="time between ticks, ms")] = 100.0,
    progress: Annotated[
        bool | None, typer.Option("--progress/--no-progress", help="progress bar")
    ] = None,
) -> None:
    """Generate a synthetic market (volatility clustering, order-flow episodes, liquidation
    cascades) and write it as Parquet, readable by ``quantum backtest --data``."""
    with user_errors():
        names = tuple(s.strip() for s in symbols.split(",") if s.strip())
        market = qdata.generate(
            ticks, seed=seed, symbols=names, tick_interval_ns=round(interval_ms * 1_000_000)
        )
        with progress_bar(progress) as bar:
            task = bar.add_task("writing", total=len(market), unit="ticks")
            with qdata.TickParquetWriter(out, market.names) as writer:
                for start in range(0, len(market), _WRITE_CHUNK):
                    part = market.slice(start, min(start + _WRITE_CHUNK, len(market)))
                    writer.write(part)
                    bar.advance(task, len(part))
        typer.echo(f"wrote {out}: {len(market):,} ticks of {', '.join(names)}, seed {seed}")
