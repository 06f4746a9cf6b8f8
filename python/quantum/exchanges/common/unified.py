"""ccxt's unified structures (what ``fetch_*`` / ``watch_*`` return) to normalized events.

The native parsers (``<venue>/parse.py``) read venue JSON; this module reads ccxt's unified
dicts, for the live client that goes through ccxt and ccxt.pro. ``symbol`` is the venue's
native id (``market["id"]``) so both paths name instruments the same way. ccxt timestamps are
epoch milliseconds; a structure without one (Kraken's REST ticker) takes the receive time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quantum.errors import DataError
from quantum.exchanges.common.convert import NS_PER_MS
from quantum.exchanges.common.types import BookMessage, Tick

__all__ = [
    "book_from_unified",
    "funding_from_unified",
    "open_interest_from_unified",
    "ticker_from_unified",
    "trades_from_unified",
]


def _ts(obj: Mapping[str, Any], ts_recv: int) -> int:
    ts = obj.get("timestamp")
    return int(ts) * NS_PER_MS if ts is not None else ts_recv


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def ticker_from_unified(t: Mapping[str, Any], native_symbol: str, ts_recv: int) -> Tick:
    """A unified ticker: last, bid/ask and sizes (and funding/OI if ccxt put them in ``info``
    is venue-specific, so it is left to the funding and open-interest fetches)."""
    return Tick(
        ts_event=_ts(t, ts_recv),
        ts_recv=ts_recv,
        symbol=native_symbol,
        price=_f(t.get("last")),
        bid=_f(t.get("bid")),
        ask=_f(t.get("ask")),
        bid_qty=_f(t.get("bidVolume")),
        ask_qty=_f(t.get("askVolume")),
    )


def trades_from_unified(
    trades: list[Mapping[str, Any]], native_symbol: str, ts_recv: int
) -> list[Tick]:
    """Unified trades; ``side`` is the taker side, ``amount`` the size."""
    out: list[Tick] = []
    for t in trades:
        qty = float(t["amount"])
        side = t.get("side")
        out.append(
            Tick(
                ts_event=_ts(t, ts_recv),
                ts_recv=ts_recv,
                symbol=native_symbol,
                price=float(t["price"]),
                volume=qty,
                buy_volume=qty if side == "buy" else None,
                sell_volume=qty if side == "sell" else None,
            )
        )
    return out


def book_from_unified(
    book: Mapping[str, Any], native_symbol: str, ts_recv: int, depth: int | None = None
) -> BookMessage:
    """A unified order book as a snapshot. ``nonce`` (the venue's update id, when ccxt has one)
    becomes ``last_id``; ccxt.pro has already applied the venue's sequence/checksum rules."""
    bids = book.get("bids")
    asks = book.get("asks")
    if bids is None or asks is None:
        raise DataError(f"{native_symbol}: order book without bids/asks")
    nonce = book.get("nonce")
    return BookMessage(
        ts_event=_ts(book, ts_recv),
        ts_recv=ts_recv,
        symbol=native_symbol,
        is_snapshot=True,
        first_id=None,
        last_id=None if nonce is None else int(nonce),
        prev_id=None,
        bids=[(float(lv[0]), float(lv[1])) for lv in bids[:depth]],
        asks=[(float(lv[0]), float(lv[1])) for lv in asks[:depth]],
    )


def funding_from_unified(fr: Mapping[str, Any], native_symbol: str, ts_recv: int) -> Tick:
    """A unified funding-rate structure (``fundingRate``)."""
    rate = fr.get("fundingRate")
    if rate is None:
        raise DataError(f"{native_symbol}: funding-rate structure without fundingRate")
    return Tick(
        ts_event=_ts(fr, ts_recv),
        ts_recv=ts_recv,
        symbol=native_symbol,
        funding_rate=float(rate),
    )


def open_interest_from_unified(oi: Mapping[str, Any], native_symbol: str, ts_recv: int) -> Tick:
    """A unified open-interest structure: ``openInterestAmount`` (contracts or base units, as
    the venue reports it)."""
    amount = oi.get("openInterestAmount")
    if amount is None:
        raise DataError(f"{native_symbol}: open-interest structure without openInterestAmount")
    return Tick(
        ts_event=_ts(oi, ts_recv),
        ts_recv=ts_recv,
        symbol=native_symbol,
        open_interest=float(amount),
    )
