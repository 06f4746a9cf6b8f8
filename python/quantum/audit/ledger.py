"""The auditor's own ledger: exact 10⁻⁸ decimal arithmetic and the positions a result's fills
make, by quantity, per symbol, real and shadow apart.

A position is built fill by fill: an ``open`` fill opens it from flat or adds on its side, a
``close`` fill reduces it from the other side and never beyond flat (a flip is a close, then an
open). Its cost basis is the sum of its opening fills' notionals (each rounded once); a
reduction takes the basis in proportion, rounded to the unit, and realises its exit notional
minus that share (docs/backtesting.md, "The rules every result obeys"). A round trip runs from
flat to flat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

__all__ = ["E8", "Fill", "RoundTrip", "fills_of", "ledger", "q8"]

E8 = Decimal("0.00000001")
Problem = Callable[[str, "Fill | None", str], None]


def q8(x: Decimal | float | str) -> Decimal:
    """Rounded to 10⁻⁸, half away from zero (floats through their shortest repr)."""
    d = x if isinstance(x, Decimal) else Decimal(repr(x) if isinstance(x, float) else x)
    return d.quantize(E8, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Fill:
    """One row of ``result.fills`` with exact values."""

    row: int
    seq: int
    decided_seq: int
    decided_at: int
    ts_recv: int
    ts_event: int
    symbol: int
    buy: bool
    qty: Decimal
    price: Decimal
    fee: Decimal
    fee_bps: float
    maker: bool
    opens: bool
    exit_reason: str
    shadow: bool
    order_id: int
    depth_seq: int

    @property
    def triggered(self) -> bool:
        """An exit the market triggered (a stop, a take-profit, a liquidation)."""
        return self.exit_reason in ("take_profit", "stop_loss", "liquidation")

    @property
    def signed(self) -> Decimal:
        return self.qty if self.buy else -self.qty


@dataclass
class RoundTrip:
    """A position from flat to flat (``closed`` False while open at the end)."""

    symbol: int
    shadow: bool
    long: bool
    fills: list[Fill] = field(default_factory=list)
    #: Position after each of ``fills`` (signed), and the gross P&L each close realised.
    after: list[Decimal] = field(default_factory=list)
    gross: list[Decimal] = field(default_factory=list)
    basis_after: list[Decimal] = field(default_factory=list)
    closed: bool = False
    qty: Decimal = Decimal(0)  #: open size (unsigned)
    basis: Decimal = Decimal(0)  #: cost basis of the open size
    charges: list[int] = field(default_factory=list)
    #: The trip this one continues: a flip by one execution keeps the position held.
    flipped_from: RoundTrip | None = None

    @property
    def first(self) -> Fill:
        return self.fills[0]

    @property
    def sign(self) -> int:
        return 1 if self.long else -1

    def realised(self) -> Decimal:
        return sum(self.gross, Decimal(0))

    def unrealised(self, n: int, mark: Decimal) -> Decimal:
        """Unrealised P&L after fill ``n`` at ``mark``."""
        return (q8(abs(self.after[n]) * mark) - self.basis_after[n]) * self.sign


def fills_of(frame: pd.DataFrame, names: tuple[str, ...]) -> list[Fill]:
    """The result's fills, exact; symbols as ids into ``names``."""
    ids = {n: i for i, n in enumerate(names)}
    c: dict[str, list[Any]] = {k: frame[k].tolist() for k in frame.columns}
    n = len(frame)
    order = c.get("order_id", [0] * n)
    dseq = c.get("depth_seq", [-1] * n)
    return [
        Fill(
            row=row,
            seq=int(c["seq"][row]),
            decided_seq=int(c["decided_seq"][row]),
            decided_at=int(c["decided_at"][row]),
            ts_recv=int(c["ts_recv"][row]),
            ts_event=int(c["ts_event"][row]),
            symbol=ids.get(str(c["symbol"][row]), -1),
            buy=str(c["side"][row]) == "BUY",
            qty=Decimal(str(c["qty"][row])),
            price=Decimal(str(c["price"][row])),
            fee=Decimal(str(c["fee"][row])),
            fee_bps=float(c["fee_bps"][row]),
            maker=bool(c["maker"][row]),
            opens=str(c["kind"][row]) == "open",
            exit_reason=str(c["exit_reason"][row]),
            shadow=bool(c["shadow"][row]),
            order_id=int(order[row]),
            depth_seq=int(dseq[row]),
        )
        for row in range(n)
    ]


def ledger(fills: list[Fill], problem: Problem) -> list[RoundTrip]:
    """The round trips the fills make, in the order they opened. A fill that does not fit the
    position it meets (an open against it, a close with nothing or the wrong side to reduce, a
    close beyond flat) is reported and left out."""
    held: dict[tuple[int, bool], RoundTrip] = {}
    done: dict[tuple[int, bool], RoundTrip] = {}
    trips: list[RoundTrip] = []
    for f in fills:
        key = (f.symbol, f.shadow)
        t = held.get(key)
        if f.opens:
            if t is None:
                last = done.get(key)
                t = RoundTrip(f.symbol, f.shadow, f.buy)
                if last is not None and last.fills[-1].order_id == f.order_id:
                    t.flipped_from = last
                held[key] = t
                trips.append(t)
            elif t.long != f.buy:
                problem("one_position", f, "an open fill against the position it meets")
                continue
            notional = q8(f.qty * f.price)
            t.qty += f.qty
            t.basis += notional
            t.fills.append(f)
            t.after.append(t.qty * t.sign)
            t.basis_after.append(t.basis)
            t.gross.append(Decimal(0))
            continue
        if t is None or t.long == f.buy:
            problem("exit_without_entry", f, "a close fill with no position on its other side")
            continue
        if f.qty > t.qty:
            problem("close_beyond_flat", f, f"closes {f.qty} of a position of {t.qty}")
            continue
        if f.qty == t.qty:
            removed = t.basis
        else:
            b, q, whole = (int(x.scaleb(8)) for x in (t.basis, f.qty, t.qty))
            removed = Decimal((b * q + whole // 2) // whole).scaleb(-8)
        t.gross.append((q8(f.qty * f.price) - removed) * t.sign)
        t.qty -= f.qty
        t.basis -= removed
        t.fills.append(f)
        t.after.append(t.qty * t.sign)
        t.basis_after.append(t.basis)
        if t.qty == 0:
            t.closed = True
            done[key] = held.pop(key)
    return trips
