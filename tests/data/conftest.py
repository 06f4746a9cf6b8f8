"""Fixtures for the data tests: where the shared real data lives, and small file writers."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

import pytest


def _shared_data_dir() -> Path:
    env = os.environ.get("QUANTUM_SHARED_DATA")
    if env:
        return Path(env)
    # tests/data/conftest.py → parents[2] is the repository root; the data sits beside it.
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only real-data directory (``$QUANTUM_SHARED_DATA`` or ``<repo>/../shared/data``)."""
    path = _shared_data_dir()
    if not (path / "SOURCES.md").is_file():
        pytest.fail(f"shared data not found at {path}; set QUANTUM_SHARED_DATA")
    return path


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write text to ``tmp_path/name``, gzip-compressed when the name ends in ``.gz``."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        data = text.encode()
        if name.endswith(".gz"):
            path.write_bytes(gzip.compress(data))
        else:
            path.write_bytes(data)
        return path

    return write
