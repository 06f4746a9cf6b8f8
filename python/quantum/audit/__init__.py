"""``quantum.audit``: an independent check that every trade of a backtest obeys the rules.

It re-derives, from the ticks and the result's journal alone (never through the engine), that:
each fill came on an accepted tick of its symbol no earlier than its decision tick plus the
order latency, at a price that tick could give (the ask or bid, a bar's open, the last price,
with slippage; exits at their levels); exits came after entries, on the first tick that reached
a level, the stop first on a bar that touched both; funding was charged only at the funding
times a position was open through, at the rate in force; fees are as configured; the notional,
daily and open-position caps held at each real entry; shadow trades never overlapped a position
or touched equity; and the result's equity is capital + realised − fees − funding + unrealised
to 10⁻⁸. It returns the violations found (empty when clean).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from quantum.audit.caps import check_caps, check_equity
from quantum.audit.funding import check_funding
from quantum.audit.ledger import Fill, fills_of, round_trips
from quantum.audit.market import market_of
from quantum.audit.rules import check_fill, check_trip
from quantum.backtest import BacktestResult
from quantum.errors import ConfigError

__all__ = ["KINDS", "Violation", "audit"]

KINDS: Final[tuple[str, ...]] = (
    "fill_tick",
    "fill_timing",
    "fill_price",
    "fee",
    "one_position",
    "exit_without_entry",
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
    of ``result.fills`` and the tick's arrival number, when a fill is involved."""

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
    market = market_of(ticks, rejected, config.book.rule)
    if len(market) != result.ticks_processed:
        raise ConfigError(
            f"the result ran {result.ticks_processed:,} ticks, {len(market):,} were given"
        )
    fills = fills_of(result.fills, market.symbol_names)
    for f in fills:
        check_fill(f, market, config, problem)
    trips = round_trips(fills, problem)
    for t in trips:
        check_trip(t, market, config, problem)
    funding = check_funding(
        trips, result.funding, market, config.execution.funding_interval_ns, problem
    )
    check_caps(trips, result.funding, market, config, problem)
    check_equity(trips, funding, market, result.metrics, config, problem)
    return found
