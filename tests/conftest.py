"""Shared fixtures: the real data directory and tiny tick builders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pytest

from quantum import Decision, FeatureView, Strategy, TickView

REPO = Path(__file__).resolve().parents[1]
SECOND = 1_000_000_000
MINUTE = 60 * SECOND
DAY = 86_400 * SECOND


def shared_data_dir() -> Path:
    """``$QUANTUM_SHARED_DATA`` or ``<repo>/../shared/data``."""
    env = os.environ.get("QUANTUM_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.fail(f"real data directory not found at {path} (set QUANTUM_SHARED_DATA)")
    return path


class Scripted(Strategy):
    """Emits the given decisions on the given accepted-tick numbers (1-based)."""

    name = "scripted"

    def __init__(self, plan: Iterable[tuple[int, str]]) -> None:
        self.plan = dict(plan)
        self.n = 0

    def on_tick(self, tick: TickView, features: FeatureView) -> Decision | None:
        self.n += 1
        side = self.plan.get(self.n)
        return Decision(side, 0.9, "scripted") if side in ("LONG", "SHORT", "FLAT") else None  # type: ignore[arg-type]
