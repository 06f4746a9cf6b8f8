"""Normalized market-data events produced by every exchange adapter.

Two event kinds leave an adapter:

- :class:`Tick` — one market event for one symbol (a trade, a quote, a funding or open-interest
  update, a liquidation). Fields the venue did not send stay ``None``; they are never zero-filled,
  because the strategies treat "unknown" differently from "zero pressure".
- :class:`BookMessage` — one L2 snapshot or delta, carrying the venue's own sequence fields so the
  core's order book can check them the way the venue specifies.

The Rust core consumes ticks as NumPy columns; :func:`ticks_to_columns` builds them.

Units: timestamps are int64 nanoseconds since the Unix epoch (``ts_event`` on the exchange clock,
``ts_recv`` on the local clock). Prices are in quote currency; quantities are in the venue's
native size unit (base currency on Binance USD-M, Bybit linear and Kraken spot; contracts on OKX
derivatives and Kraken Futures unless the parser is given a contract size).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt

from quantum.errors import DataError

__all__ = [
    "LIQ_LONGS",
    "LIQ_SHORTS",
    "TICK_COLUMNS",
    "TICK_FLOAT_FIELDS",
    "BookMessage",
    "Event",
    "Level",
    "Tick",
    "ticks_to_columns",
]

#: ``liq_side`` value when longs were liquidated (the forced order was a SELL).
LIQ_LONGS: Final = 1
#: ``liq_side`` value when shorts were liquidated (the forced order was a BUY).
LIQ_SHORTS: Final = -1

#: The optional float fields of a tick, in column order.
TICK_FLOAT_FIELDS: Final[tuple[str, ...]] = (
    "price",
    "bid",
    "ask",
    "bid_qty",
    "ask_qty",
    "volume",
    "buy_volume",
    "sell_volume",
    "liq_volume",
    "funding_rate",
    "open_interest",
)

#: Every column name produced by :func:`ticks_to_columns`.
TICK_COLUMNS: Final[tuple[str, ...]] = (
    "ts_event",
    "ts_recv",
    "symbol",
    *TICK_FLOAT_FIELDS,
    "liq_side",
)

#: One price level: (price, quantity). Quantity 0 in a delta deletes the level.
Level = tuple[float, float]


@dataclass(slots=True)
class Tick:
    """One normalized market event for one symbol.

    A trade sets ``price``, ``volume`` and one of ``buy_volume`` / ``sell_volume`` (by aggressor
    side); a quote sets ``bid``/``ask`` and their sizes; a liquidation sets ``liq_volume`` and
    ``liq_side`` (+1 longs liquidated, −1 shorts liquidated); funding and open interest set their
    own field. ``symbol`` is the venue's native instrument name (``BTCUSDT``, ``BTC-USDT-SWAP``).
    """

    ts_event: int
    ts_recv: int
    symbol: str
    price: float | None = None
    bid: float | None = None
    ask: float | None = None
    bid_qty: float | None = None
    ask_qty: float | None = None
    volume: float | None = None
    buy_volume: float | None = None
    sell_volume: float | None = None
    liq_volume: float | None = None
    liq_side: int | None = None
    funding_rate: float | None = None
    open_interest: float | None = None


@dataclass(slots=True)
class BookMessage:
    """One L2 book snapshot or delta with the venue's sequence fields.

    ``first_id`` / ``last_id`` / ``prev_id`` follow the venue: Binance futures ``U`` / ``u`` /
    ``pu``; Bybit ``u`` (in both ids, no previous id); OKX ``seqId`` (in both) and ``prevSeqId``;
    Kraken Futures ``seq`` (in both). A venue without ids (Kraken spot) leaves them ``None`` and
    relies on ``checksum`` instead. ``checksum`` is the venue's value as sent (OKX: signed CRC32
    over the top 25 levels; Kraken: unsigned CRC32 over the top 10).

    ``bids_text`` / ``asks_text`` keep the price and size strings exactly as sent, for venues
    whose checksum is computed over those strings (OKX, Kraken); other venues leave them ``None``.
    """

    ts_event: int
    ts_recv: int
    symbol: str
    is_snapshot: bool
    first_id: int | None
    last_id: int | None
    prev_id: int | None
    bids: list[Level]
    asks: list[Level]
    checksum: int | None = None
    bids_text: list[tuple[str, str]] | None = field(default=None, repr=False)
    asks_text: list[tuple[str, str]] | None = field(default=None, repr=False)


#: What an adapter's parser yields.
Event = Tick | BookMessage


def taker_buys(side: str, buy: str, sell: str, venue: str) -> bool:
    """Whether a trade's aggressor bought, from the venue's side field (``buy``/``sell`` spelt
    the venue's way); any other value is malformed input."""
    if side == buy:
        return True
    if side == sell:
        return False
    raise DataError(f"{venue}: unknown trade side {side!r}")


def trade_tick(
    *, ts_event: int, ts_recv: int, symbol: str, price: float, qty: float, buy: bool
) -> Tick:
    """One trade print as a tick: the aggressor's side says whether it is buy or sell volume."""
    return Tick(
        ts_event=ts_event,
        ts_recv=ts_recv,
        symbol=symbol,
        price=price,
        volume=qty,
        buy_volume=qty if buy else None,
        sell_volume=None if buy else qty,
    )


def ticks_to_columns(rows: Sequence[Tick]) -> dict[str, npt.NDArray[np.generic]]:
    """Turn ticks into NumPy columns named exactly as :data:`TICK_COLUMNS`.

    ``ts_event`` / ``ts_recv`` are int64 ns, ``symbol`` is a unicode array, every float field is
    float64 with NaN where the tick did not carry it, and ``liq_side`` is int8 with 0 where the
    tick is not a liquidation.
    """
    nan = float("nan")
    columns: dict[str, npt.NDArray[np.generic]] = {
        "ts_event": np.fromiter((r.ts_event for r in rows), dtype=np.int64, count=len(rows)),
        "ts_recv": np.fromiter((r.ts_recv for r in rows), dtype=np.int64, count=len(rows)),
        "symbol": np.array([r.symbol for r in rows], dtype=np.str_),
    }
    for name in TICK_FLOAT_FIELDS:
        values = [getattr(r, name) for r in rows]
        columns[name] = np.array([nan if v is None else v for v in values], dtype=np.float64)
    columns["liq_side"] = np.array(
        [0 if r.liq_side is None else r.liq_side for r in rows], dtype=np.int8
    )
    return {name: columns[name] for name in TICK_COLUMNS}
