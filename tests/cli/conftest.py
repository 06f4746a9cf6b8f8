"""Running the ``quantum`` command in-process."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from typer.testing import CliRunner

from quantum.cli import app


@pytest.fixture
def quantum_cli() -> Callable[..., Result]:
    """``quantum_cli("backtest", "--synthetic", "1000")`` → click's Result (exit code, output)."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run
