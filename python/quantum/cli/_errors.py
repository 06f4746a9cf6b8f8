"""Turning the package's typed errors into a clear one-line message and exit status 2."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from quantum.errors import QuantumError

__all__ = ["user_errors"]


@contextmanager
def user_errors() -> Iterator[None]:
    """Reports bad input (a QuantumError or a missing file) as ``error: …`` and exits with 2."""
    try:
        yield
    except (QuantumError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
