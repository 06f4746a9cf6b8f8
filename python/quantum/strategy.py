"""Strategies written in Python, run by the same engine as the built-ins (the slow path).

Subclass :class:`Strategy` and return a :class:`Decision` (or ``None``) from ``on_tick``. The core
calls it once per accepted tick, with the GIL, so expect roughly 1-3 million ticks/s less than
the compiled strategies; use it to prototype, then port hot strategies to Rust.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quantum._core import FeatureView, TickView

__all__ = ["Decision", "FeatureView", "Strategy", "TickView"]


@dataclass(frozen=True, slots=True)
class Decision:
    """A strategy's wish: hold ``side`` ("FLAT": hold nothing) with a confidence in [0, 1]."""

    side: Literal["LONG", "SHORT", "FLAT"]
    confidence: float
    reason: str = ""


class Strategy:
    """Base class of Python strategies. ``name`` appears in signals and trades."""

    name: str = "python"

    def on_tick(self, tick: TickView, features: FeatureView) -> Decision | None:
        """Returns a decision for this tick, or None. Called for every accepted tick.

        ``features`` describe the last *completed* bar of the tick's symbol (``features.bar_ns``
        long; 0 makes every tick a bar): the bar in progress is known only through ``tick``."""
        raise TypeError(f"{type(self).__name__} must implement on_tick(tick, features)")
