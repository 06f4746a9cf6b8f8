"""The ``quantum`` command: ``serve``, ``user``, ``backtest``, ``sweep``, ``synth``, ``db``, ``version``."""

from __future__ import annotations

import typer

from quantum.cli.backtest import HELP as BACKTEST_HELP
from quantum.cli.backtest import backtest_cmd
from quantum.cli.sweep import sweep_cmd
from quantum.cli.synth import synth_cmd
from quantum.runtime.cli import serve, user_app
from quantum.store.cli import db_app

__all__ = ["app"]

app = typer.Typer(
    help="Quantum HFT: educational crypto HFT research system.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("backtest", help=BACKTEST_HELP)(backtest_cmd)
app.command("sweep")(sweep_cmd)
app.command("synth")(synth_cmd)
app.add_typer(db_app, name="db")
app.command("serve")(serve)
app.add_typer(user_app, name="user")


@app.command("version")
def version() -> None:
    """Print the version."""
    from quantum import __version__

    typer.echo(__version__)
