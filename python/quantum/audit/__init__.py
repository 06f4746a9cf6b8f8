"""``quantum.audit``: an independent check that every fill of a backtest obeys the rules.

It re-derives, from the ticks (and depth messages) and the result's journal alone (never
through the engine), that: each fill came on an event — an accepted tick or a depth message,
of its own symbol for a resting order's or a triggered fill, with that event's receive time and
the venue's exchange time — no earlier than its order's
arrival (decision time + entry latency) and never on the event it was decided on; at a price
that event could give (a level of the book at or behind the touch, within its size; on quotes
the touch within its shown size or the impact price beyond; a bar's open or the last price with
slippage; a maker fill at its order's price on an event that reached it); with the maker, taker
or liquidation fee; that the fills make positions by quantity (opens from flat or adding, closes
from the other side never beyond flat, real and shadow apart); that each bracket's exits acted
on the first event after the arming fill that reached a level, the stop first on a bar that
touched both; that funding was charged at the funding times a position was open through, on
the size held then at its mark, at the rate in force; that the notional, daily and
open-position caps held; and that the result's equity is capital + realised − fees − funding +
unrealised to 10⁻⁸. It returns the violations found (empty when clean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from quantum.audit.caps import check_caps, check_equity
from quantum.audit.exits import check_exits
from quantum.audit.fills import check_fill, orders_of
from quantum.audit.funding import check_funding
from quantum.audit.ledger import Fill, fills_of, ledger
from quantum.audit.market import market_of
from quantum.audit.queue import PrintedAtPrice
from quantum.backtest import BacktestResult
from quantum.errors import ConfigError

__all__ = ["KINDS", "Violation", "audit"]

KINDS: Final[tuple[str, ...]] = (
    "fill_tick",
    "fill_timing",
    "fill_price",
    "maker_unreached",
    "fee",
    "one_position",
    "exit_without_entry",
    "close_beyond_flat",
    "exit_before_entry",
    "missed_exit",
    "stop_first",
    "wrong_exit",
    "funding",
    "notional_cap",
    "daily_cap",
    "open_positions",
    "leverage_cap",
    "equity_identity",
)
"""Every kind of violation the auditor reports."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: its ``kind`` (one of :data:`KINDS`), what is wrong, and where — the row
    of ``result.fills`` and its tick's arrival number, when a fill is involved."""

    kind: str
    message: str
    fill: int | None = None
    seq: int | None = None
    shadow: bool = False

    def __str__(self) -> str:
        where = "" if self.fill is None else f" (fill {self.fill}, tick {self.seq})"
        return f"{self.kind}{where}: {self.message}"


def audit(result: BacktestResult, ticks: Any) -> list[Violation]:
    """The violations of the rules in ``result``, a backtest of ``ticks`` (the data it ran on:
    a dict of arrays, a DataFrame, ``TickColumns`` or a ``FeedChunk``); empty when clean.

    Needs the run's journal (``EngineConfig.journal``, on by default).
    """
    config = result.config
    if config is None or not config.journal:
        raise ConfigError("auditing needs the run's config and journal (EngineConfig.journal)")
    found: list[Violation] = []

    def problem(kind: str, f: Fill | None, message: str) -> None:
        found.append(
            Violation(
                kind,
                message,
                None if f is None else f.row,
                None if f is None else f.seq,
                False if f is None else f.shadow,
            )
        )

    rejected = np.asarray(result.rejected_ticks.get("seq", []), dtype=np.int64)
    frame = result.fills
    dseq = frame["depth_seq"] if "depth_seq" in frame.columns else [-1] * len(frame)
    fills_at = {(int(s), int(d)) for s, d in zip(frame["seq"], dseq, strict=True)}
    market = market_of(ticks, rejected, config.book.rule, fills_at, config.execution.feed_latency)
    if len(market) != result.ticks_processed:
        raise ConfigError(
            f"the result ran {result.ticks_processed:,} ticks, {len(market):,} were given"
        )
    fills = fills_of(frame, market.symbol_names)
    orders = orders_of(getattr(result, "orders", None))
    events: dict[int, int] = {}
    printed = PrintedAtPrice(market, config)
    for f in fills:
        k = check_fill(f, market, config, orders, problem)
        if k >= 0:
            events[f.row] = k
            printed.check(f, k, None if f.shadow else orders.get(f.order_id), problem)
    trips = ledger(fills, problem)
    children: dict[int, set[str]] = {}
    for o in orders.values():
        if o.parent:
            children.setdefault(o.parent, set()).add(o.kind)
    for t in trips:
        check_exits(t, events, market, config, children, problem)
    funding = check_funding(
        trips, result.funding, market, config.execution.funding_interval_ns, events, problem
    )
    check_caps(trips, result.funding, market, config, events, problem)
    check_equity(trips, funding, market, result.metrics, config, events, problem)
    return found
