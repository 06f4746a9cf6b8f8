"""Strategies written in Python, run by the same engine as the built-ins (the slow path).

Two kinds:

- :class:`Strategy` returns a target: a :class:`Decision` (or ``None``) from ``on_tick``, which
  the engine turns into orders (an entry with its bracket of exits, or an exit).
- :class:`OrderStrategy` places, modifies and cancels its own orders from ``on_market`` through
  an :class:`OrderContext`, and sees its orders' events in ``on_order``
  (``docs/backtesting.md``, "Orders from Python").

The core calls them with the GIL, once per accepted tick (and, for order strategies, per book
update and per order event), so expect roughly 1-3 million ticks/s less than the compiled
strategies; use them to prototype, then port hot strategies to Rust.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from quantum._core import FeatureView, OrderContext, OrderEventView, TickView

__all__ = [
    "Decision",
    "FeatureView",
    "OrderContext",
    "OrderEventView",
    "OrderStrategy",
    "Strategy",
    "TickView",
]


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


class OrderStrategy:
    """Base class of Python strategies that trade with orders. ``name`` appears in their orders,
    fills and trades, and prefixes the client ids the engine makes for them (``<name>.<n>``).

    ``on_market`` runs on every accepted tick and every book update of a symbol, as of the
    strategy's local clock; ``on_order`` runs when one of its orders' events reaches it (the
    response latency after it happened). In both, ``ctx`` gives the time, the symbol, the
    position the strategy's fills told it, the touch and the last price, and takes its requests
    (``ctx.buy``, ``ctx.sell``, ``ctx.stop``, ``ctx.take_profit``, ``ctx.cancel``,
    ``ctx.modify``), which are sent when the callback returns. ``ctx`` is valid only during the
    callback."""

    name: str = "python_orders"

    def on_market(self, ctx: OrderContext) -> None:
        """The market of ``ctx.symbol`` changed: ``ctx.tick`` is the tick, or None for a book
        update."""
        raise TypeError(f"{type(self).__name__} must implement on_market(ctx)")

    def on_order(self, ctx: OrderContext, event: OrderEventView) -> None:
        """One of this strategy's orders' events reached it (``event.kind`` says which). Does
        nothing unless overridden."""
