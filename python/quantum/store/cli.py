"""``quantum db ...``: database commands (the lead mounts ``db_app`` on the main CLI)."""

from __future__ import annotations

from typing import Annotated

import typer

from quantum.config import get_settings
from quantum.errors import QuantumError
from quantum.store import migrate

__all__ = ["db_app"]

db_app = typer.Typer(help="Database commands.", no_args_is_help=True)

_URL = Annotated[
    str | None,
    typer.Option("--url", help="Database URL (default: QUANTUM_DATABASE_URL or the SQLite file)."),
]


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command()
def upgrade(url: _URL = None, revision: str = "head") -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    target = url or get_settings().resolved_database_url()
    try:
        reached = migrate.upgrade(target, revision)
    except QuantumError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{_hide_password(target)}: at revision {reached}")


@db_app.command()
def current(url: _URL = None) -> None:
    """Show the revision the database is at."""
    target = url or get_settings().resolved_database_url()
    try:
        rev = migrate.current_revision(target)
    except QuantumError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{_hide_password(target)}: {rev or 'empty'} (newest: {migrate.head_revision()})")
