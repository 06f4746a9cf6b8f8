"""Fixtures of the exchange-adapter tests: the real capture directory and ccxt market bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .captures import shared_data_dir

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "raw_ws_captures").is_dir():
        pytest.fail(f"real data directory not found at {path} (set QUANTUM_SHARED_DATA)")
    return path


def market_routes(venue: str) -> dict[str, Any]:
    """Hand-written minimal native market responses (URL fragment -> body) for ``venue``."""
    routes: dict[str, Any] = json.loads((FIXTURES / f"markets_{venue}.json").read_text())
    return routes
