"""The auditor's own ledger: exact 10⁻⁸ decimal arithmetic and the round trips a result's fills
make, real and shadow, rebuilt fill by fill."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

__all__ = ["E8", "Fill", "RoundTrip", "fills_of", "q8", "round_trips"]

E8 = Decimal("0.00000001")


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

    @property
    def triggered(self) -> bool:
        """An exit the fill tick itself triggered (no earlier decision)."""
        return self.exit_reason in ("take_profit", "stop_loss", "liquidation")


@dataclass
class RoundTrip:
    """A position from its entry fill to its exit fill (None while open at the end)."""

    entry: Fill
    exit: Fill | None = None
    charges: list[int] = field(default_factory=list)

    @property
    def long(self) -> bool:
        return self.entry.buy

    @property
    def sign(self) -> int:
        return 1 if self.entry.buy else -1


def fills_of(frame: pd.DataFrame, names: tuple[str, ...]) -> list[Fill]:
    """The result's fills, exact; symbols as ids into ``names``."""
    ids = {n: i for i, n in enumerate(names)}
    c: dict[str, list[Any]] = {k: frame[k].tolist() for k in frame.columns}
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
        )
        for row in range(len(frame))
    ]


def round_trips(fills: list[Fill], problem: Any) -> list[RoundTrip]:
    """Pairs entries with exits per symbol. At most one position (real or shadow) per symbol:
    an entry while one is open, or an exit with none, is reported through ``problem``."""
    open_: dict[int, RoundTrip] = {}
    trips: list[RoundTrip] = []
    for f in fills:
        held = open_.get(f.symbol)
        if f.opens:
            if held is not None:
                problem("one_position", f, "an entry while a position is open in its symbol")
                continue
            trip = RoundTrip(f)
            open_[f.symbol] = trip
            trips.append(trip)
        elif held is None or held.entry.shadow != f.shadow or held.entry.buy == f.buy:
            problem("exit_without_entry", f, "an exit with no matching open position")
        else:
            held.exit = f
            del open_[f.symbol]
    return trips
