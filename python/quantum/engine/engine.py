"""``quantum.Engine``: the live-use face of the core — one tick at a time, manual orders, state.

It holds the native engine and delegates; the same native pipeline runs ``quantum.backtest``, so
a tick stream gives the same trades through either.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from quantum import _core
from quantum.engine.config import EngineConfig
from quantum.errors import DataError
from quantum.strategy import OrderStrategy, Strategy

__all__ = ["Engine", "Event"]

Event = (
    _core.SignalEvent
    | _core.TickRejectedEvent
    | _core.OrderRejectedEvent
    | _core.FillEvent
    | _core.TradeEvent
    | _core.ShadowTradeEvent
    | _core.FundingEvent
    | _core.HaltedEvent
)

_NAN = math.nan


class Engine:
    """The trading engine of one account.

    ``symbols`` is the name table: symbol ids in ticks index into it. ``strategies`` may mix
    target strategies (:class:`quantum.Strategy`) and order strategies
    (:class:`quantum.OrderStrategy`).
    """

    def __init__(
        self,
        config: EngineConfig | None = None,
        symbols: Sequence[str] = ("BTCUSDT",),
        strategies: Sequence[Strategy | OrderStrategy] = (),
    ) -> None:
        self.config = config or EngineConfig()
        self.symbols: tuple[str, ...] = tuple(symbols)
        self._ids = {name: i for i, name in enumerate(self.symbols)}
        self._engine = _core.Engine(self.config.model_dump_json())
        for s in strategies:
            if isinstance(s, OrderStrategy):
                self.add_order_strategy(s)
            else:
                self.add_strategy(s)
        # Bound method cached: on_tick is the per-tick hot call from Python.
        self.on_tick = self._engine.on_tick

    def add_strategy(self, strategy: Strategy) -> None:
        """Adds a target strategy (after the built-ins, in the order added)."""
        self._engine.add_strategy(strategy.name, strategy)

    def add_order_strategy(self, strategy: OrderStrategy) -> None:
        """Adds a strategy that trades with orders; its context and events name the symbols.
        Raises ConfigError when another order strategy has its name."""
        self._engine.add_order_strategy(strategy.name, strategy, list(self.symbols))

    def symbol_id(self, symbol: str) -> int:
        """The id of a symbol name; raises DataError for an unknown one."""
        try:
            return self._ids[symbol]
        except KeyError:
            raise DataError(
                f"unknown symbol {symbol!r}; known: {', '.join(self.symbols)}"
            ) from None

    @property
    def native(self) -> _core.Engine:
        """The native engine (for the runtime and backtest drivers)."""
        return self._engine

    @property
    def equity(self) -> Decimal:
        """Current equity, exact."""
        return self._engine.equity

    def stats(self) -> dict[str, int]:
        """Ticks processed/accepted/rejected, signals, fills, trades."""
        return self._engine.stats()

    def rejections(self) -> dict[str, int]:
        """Rejections by reason: ``tick:<reason>`` (sanitizer), ``signal:<reason>`` (signals not
        acted on) and ``risk:<reason>`` (entries DRB-Guard or sizing refused)."""
        return self._engine.rejections()

    def positions(self) -> list[dict[str, Any]]:
        """Open positions, with the symbol name."""
        out = self._engine.positions()
        for p in out:
            p["symbol"] = self.symbols[p["symbol"]]
        return out

    def risk_state(self) -> dict[str, Any]:
        """DRB-Guard state: equity, peak, drawdown, halt flag, trades today, and each
        strategy's size fraction (``size_fractions``; ``size_fraction_default`` for one with no
        trades yet)."""
        return self._engine.risk_state()

    def strategy_stats(self) -> list[dict[str, Any]]:
        """Each strategy's real and shadow trades, its Kelly estimate and current size fraction."""
        return self._engine.strategy_stats()

    def metrics(self) -> dict[str, Any]:
        """SPEC §9 metrics so far."""
        return self._engine.metrics()

    def submit_entry(
        self,
        symbol: str,
        side: str,
        ts_recv: int,
        ts_event: int | None = None,
        qty: float | None = None,
        leverage: float | None = None,
        *,
        strategy: str | None = None,
        confidence: float | None = None,
        signal_id: int | None = None,
    ) -> Decimal:
        """A manual entry through DRB-Guard; fills on the symbol's next tick. Raises RiskRejected.

        An executed signal passes its ``strategy``, ``confidence`` and ``signal_id``, so the
        trade keeps them; a user's own order leaves them out (strategy ``manual``, confidence 1).
        """
        return self._engine.submit_entry(
            self.symbol_id(symbol),
            side,
            ts_recv,
            ts_recv if ts_event is None else ts_event,
            qty,
            leverage,
            strategy,
            confidence,
            signal_id,
        )

    def cancel_pending_entry(self, symbol: str, ts_recv: int | None = None) -> bool:
        """Withdraws the entry of ``symbol`` that has not filled (taken back before it reaches the
        venue, else canceled there) at local time ``ts_recv`` (default: now); True if there was
        one."""
        now = time.time_ns() if ts_recv is None else ts_recv
        return self._engine.cancel_pending_entry(self.symbol_id(symbol), now)

    def submit_close(self, symbol: str, ts_recv: int) -> None:
        """Closes the symbol's position on its next tick."""
        self._engine.submit_close(self.symbol_id(symbol), ts_recv)

    def halt(self, ts_recv: int) -> None:
        """Operator kill switch: no new entries, every position flattened."""
        self._engine.halt(ts_recv)

    def reset_halt(self) -> None:
        """Lifts the kill switch (an admin action)."""
        self._engine.reset_halt()

    def export_state(self) -> dict[str, Any]:
        """Persistent state (exact decimal strings; symbols by name) for the store."""
        state = self._engine.export_state()
        for p in state["positions"]:
            p["symbol"] = self.symbols[p["symbol"]]
        return state

    def restore_state(self, state: dict[str, Any]) -> None:
        """Restores what ``export_state`` produced (after a restart)."""
        native = dict(state)
        native["positions"] = [
            {
                **p,
                "symbol": self.symbol_id(str(p["symbol"])),
                "mark": p.get("mark", p["entry_price"]),
            }
            for p in state["positions"]
        ]
        for key in ("funding",):
            for p in native["positions"]:
                p.setdefault(key, "0")
        self._engine.restore_state(native)
