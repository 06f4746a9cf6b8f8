"""Kraken spot WebSocket v2 book messages (what ccxt.pro subscribes to), normalized.

Format: https://docs.kraken.com/api/docs/websocket-v2/book —
``{"channel": "book", "type": "snapshot"|"update", "data": [{"symbol", "bids", "asks",
"checksum", "timestamp"}]}`` with each level ``{"price": <number>, "qty": <number>}``.

v2 sends prices and quantities as JSON numbers, and ccxt.pro decodes frames with orjson (or
json), so they reach us as floats. The checksum is the same as v1's: CRC32 over the top 10
levels printed with the pair's fixed decimals. So each number is printed back with the pair's
price and quantity decimals (from the market's tick sizes): the shortest float repr, which is
what the venue sent, quantized to those decimals.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from quantum.errors import DataError
from quantum.exchanges.common.convert import native_errors
from quantum.exchanges.common.types import BookMessage, Event

__all__ = ["decimals_of_tick", "iso_to_ns", "parse_book_v2", "parse_ws_message_v2"]

VENUE = "kraken"
_native = native_errors(VENUE)

#: Per symbol: (price decimals, quantity decimals).
Decimals = Mapping[str, tuple[int, int]]


def decimals_of_tick(tick: float | str) -> int:
    """Decimals of a tick size such as ``0.1`` or ``1e-08`` (ccxt's market ``precision``)."""
    exponent = Decimal(str(tick)).normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        raise DataError(f"{VENUE}: bad tick size {tick!r}")
    return max(0, -exponent)


def iso_to_ns(text: str) -> int:
    """``2023-10-06T17:35:55.440295Z`` (UTC) to int nanoseconds, exactly."""
    head, _, frac = text.rstrip("Z").partition(".")
    seconds = calendar.timegm(time.strptime(head, "%Y-%m-%dT%H:%M:%S"))
    if not frac.isdigit() and frac:
        raise DataError(f"{VENUE}: bad timestamp {text!r}")
    return seconds * 1_000_000_000 + int((frac + "000000000")[:9])


def _text(value: Any, decimals: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise DataError(f"{VENUE}: bad number {value!r}")
    exact = Decimal(repr(value) if isinstance(value, float) else str(value))
    printed = exact.quantize(Decimal(1).scaleb(-decimals))
    if printed != exact:
        raise DataError(f"{VENUE}: {value!r} has more than {decimals} decimals")
    return f"{printed:f}"


def _side(
    raw: list[dict[str, Any]], price_dp: int, qty_dp: int
) -> tuple[list[tuple[float, float]], list[tuple[str, str]]]:
    text = [(_text(lv["price"], price_dp), _text(lv["qty"], qty_dp)) for lv in raw]
    return [(float(p), float(q)) for p, q in text], text


@_native
def parse_book_v2(msg: dict[str, Any], ts_recv: int, decimals: Decimals) -> list[BookMessage]:
    """A v2 ``book`` message: one :class:`BookMessage` per entry of ``data``.

    ``decimals`` gives each symbol's (price, quantity) decimals; a symbol without them is a
    :class:`DataError` (its levels could not be printed as the checksum needs).
    """
    kind = msg.get("type")
    if kind not in ("snapshot", "update"):
        raise DataError(f"{VENUE}: book message of type {kind!r}")
    out: list[BookMessage] = []
    for entry in msg["data"]:
        symbol = entry["symbol"]
        if symbol not in decimals:
            raise DataError(f"{VENUE}: no price/qty decimals for {symbol!r}")
        price_dp, qty_dp = decimals[symbol]
        bids, bids_text = _side(entry.get("bids", []), price_dp, qty_dp)
        asks, asks_text = _side(entry.get("asks", []), price_dp, qty_dp)
        stamp = entry.get("timestamp")
        checksum = entry.get("checksum")
        out.append(
            BookMessage(
                ts_event=iso_to_ns(stamp) if stamp else ts_recv,
                ts_recv=ts_recv,
                symbol=symbol,
                is_snapshot=kind == "snapshot",
                first_id=None,
                last_id=None,
                prev_id=None,
                bids=bids,
                asks=asks,
                checksum=None if checksum is None else int(checksum),
                bids_text=bids_text,
                asks_text=asks_text,
            )
        )
    return out


def parse_ws_message_v2(msg: dict[str, Any], ts_recv: int, decimals: Decimals) -> list[Event]:
    """Dispatch one v2 message: ``book`` is parsed; heartbeats, status and method
    acknowledgements yield ``[]``; an error or unknown channel raises :class:`DataError`."""
    if msg.get("success") is False or "error" in msg:
        raise DataError(f"{VENUE}: error message: {msg.get('error')}")
    channel = msg.get("channel")
    if channel == "book":
        return list(parse_book_v2(msg, ts_recv, decimals))
    if channel in ("heartbeat", "status") or (channel is None and "method" in msg):
        return []
    raise DataError(f"{VENUE}: unknown v2 message: {msg!r:.200}")
