"""Maker fills against the volume printed at their price.

A resting order that fills because a print came exactly at its price took part of that print:
under a queue model (``risk_averse``, ``prob``) only what went beyond the queue ahead of it, so
the volume the other side printed at that price since the order was accepted is at least what
those fills have given it. (A print through its price, the other side of the book or quote
reaching it, or a bar's range fills it whatever printed; under ``none`` the first print at the
price fills the whole order.) The auditor does not re-model the queue: this bound is what any
queue position implies.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from quantum.audit.fills import Order
from quantum.audit.ledger import Fill
from quantum.audit.market import Market
from quantum.engine import EngineConfig

__all__ = ["PrintedAtPrice"]

Problem = Callable[[str, Fill | None, str], None]


class PrintedAtPrice:
    """Checks maker fills fill by fill (in the result's order), keeping what each order has
    filled from prints at its price."""

    def __init__(self, m: Market, c: EngineConfig) -> None:
        self.m = m
        self.off = c.execution.queue.model == "none"
        self.filled: dict[int, Decimal] = {}
        printed = np.isfinite(m.price) & (np.nan_to_num(m.volume) > 0) & m.accepted
        self.rows: NDArray[np.int64] = np.flatnonzero(printed)
        # The events of the printed rows, to cut each window at the fill's event.
        self.row_event = m.events.tick_event[self.rows]

    def check(self, f: Fill, k: int, order: Order | None, problem: Problem) -> None:
        if self.off or not f.maker or order is None or order.kind != "limit":
            return
        m, ev = self.m, self.m.events
        i = int(ev.tick[k])
        px = float(f.price)
        eps = 1e-9 * px
        if i < 0 or m.is_bar(i) or not np.isfinite(m.price[i]) or abs(m.price[i] - px) > eps:
            return  # a depth message, a bar or another print: filled by reaching, not by queue
        if not ev.has_book[k]:
            other = float(ev.ask[k] if f.buy else ev.bid[k])
            if other <= px + eps if f.buy else other >= px - eps:
                return  # the other side of the quote reached it
        done = self.filled.get(f.order_id, Decimal(0)) + f.qty
        self.filled[f.order_id] = done
        rows = self.rows[self.row_event <= k]
        rows = rows[
            (m.symbol[rows] == f.symbol)
            & (m.ts_event[rows] >= order.ts_accepted)
            & (np.abs(m.price[rows] - px) <= eps)
        ]
        # A bid is filled by sellers, an ask by buyers; a print whose side is unknown counts.
        side = m.sell_volume[rows] if f.buy else m.buy_volume[rows]
        vol = float(np.where(np.isfinite(side), side, m.volume[rows]).sum())
        if vol + 1e-9 < float(done):
            problem(
                "maker_unreached", f, f"maker fills of {done} at {f.price} from prints at its "
                f"price, only {vol:.8f} printed there since it was accepted"
            )  # fmt: skip
