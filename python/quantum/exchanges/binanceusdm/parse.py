"""Binance USD-M futures: native JSON in, normalized events out (pure functions).

Message formats: https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams
(``depthUpdate`` with ``U``/``u``/``pu``, ``trade``/``aggTrade``, ``bookTicker``,
``markPriceUpdate``, ``forceOrder``) and the REST ``/fapi/v1/depth``, ``/fapi/v1/premiumIndex``,
``/fapi/v1/openInterest`` responses. ``ts_event`` is the matching-engine time ``T`` where the
message has one, else the event time ``E``.
"""

from __future__ import annotations

from typing import Any

from quantum.errors import DataError
from quantum.exchanges.common.convert import levels, ms_to_ns, native_errors
from quantum.exchanges.common.types import LIQ_LONGS, LIQ_SHORTS, BookMessage, Event, Tick

__all__ = [
    "parse_book_delta",
    "parse_book_snapshot",
    "parse_book_ticker",
    "parse_funding_rate",
    "parse_liquidation",
    "parse_mark_price",
    "parse_open_interest",
    "parse_trade",
    "parse_ws_message",
]

VENUE = "binanceusdm"
_native = native_errors(VENUE)

# Streams we subscribe to for other consumers (bars) but that carry no tick for the core.
_IGNORED_EVENTS = frozenset({"kline", "continuous_kline", "24hrTicker", "24hrMiniTicker"})


def _ts(data: dict[str, Any]) -> int:
    t = data.get("T")
    return ms_to_ns(t if t is not None else data["E"])


@_native
def parse_book_snapshot(data: dict[str, Any], symbol: str, ts_recv: int) -> BookMessage:
    """A REST ``/fapi/v1/depth`` response (``lastUpdateId``, ``bids``, ``asks``) as a snapshot.

    The REST body does not name the symbol, so the caller passes it.
    """
    last = int(data["lastUpdateId"])
    ts = data.get("T", data.get("E"))
    return BookMessage(
        ts_event=ms_to_ns(ts) if ts is not None else ts_recv,
        ts_recv=ts_recv,
        symbol=symbol,
        is_snapshot=True,
        first_id=last,
        last_id=last,
        prev_id=None,
        bids=levels(data["bids"]),
        asks=levels(data["asks"]),
    )


@_native
def parse_book_delta(data: dict[str, Any], ts_recv: int) -> BookMessage:
    """A ``depthUpdate`` event: ``U`` first id, ``u`` last id, ``pu`` the previous event's ``u``."""
    return BookMessage(
        ts_event=_ts(data),
        ts_recv=ts_recv,
        symbol=data["s"],
        is_snapshot=False,
        first_id=int(data["U"]),
        last_id=int(data["u"]),
        prev_id=int(data["pu"]),
        bids=levels(data["b"]),
        asks=levels(data["a"]),
    )


@_native
def parse_trade(data: dict[str, Any], ts_recv: int) -> Tick:
    """A ``trade`` or ``aggTrade`` event. ``m`` (buyer is maker) means the aggressor sold."""
    qty = float(data["q"])
    seller_aggressor = data["m"]
    return Tick(
        ts_event=_ts(data),
        ts_recv=ts_recv,
        symbol=data["s"],
        price=float(data["p"]),
        volume=qty,
        buy_volume=None if seller_aggressor else qty,
        sell_volume=qty if seller_aggressor else None,
    )


@_native
def parse_book_ticker(data: dict[str, Any], ts_recv: int) -> Tick:
    """A ``bookTicker`` event: best bid/ask and their sizes."""
    return Tick(
        ts_event=_ts(data),
        ts_recv=ts_recv,
        symbol=data["s"],
        bid=float(data["b"]),
        ask=float(data["a"]),
        bid_qty=float(data["B"]),
        ask_qty=float(data["A"]),
    )


@_native
def parse_mark_price(data: dict[str, Any], ts_recv: int) -> Tick:
    """A ``markPriceUpdate`` event; ``r`` is the funding rate (the mark price is not a trade)."""
    return Tick(
        ts_event=ms_to_ns(data["E"]),
        ts_recv=ts_recv,
        symbol=data["s"],
        funding_rate=float(data["r"]),
    )


@_native
def parse_funding_rate(data: dict[str, Any], ts_recv: int) -> Tick:
    """A REST ``/fapi/v1/premiumIndex`` item (``lastFundingRate``)."""
    return Tick(
        ts_event=ms_to_ns(data["time"]),
        ts_recv=ts_recv,
        symbol=data["symbol"],
        funding_rate=float(data["lastFundingRate"]),
    )


@_native
def parse_open_interest(data: dict[str, Any], ts_recv: int) -> Tick:
    """A REST ``/fapi/v1/openInterest`` response (``openInterest`` in base units)."""
    return Tick(
        ts_event=ms_to_ns(data["time"]),
        ts_recv=ts_recv,
        symbol=data["symbol"],
        open_interest=float(data["openInterest"]),
    )


@_native
def parse_liquidation(data: dict[str, Any], ts_recv: int) -> Tick:
    """A ``forceOrder`` event. The order side is the forced order's: SELL liquidates longs.

    ``z`` (accumulated filled quantity) is the liquidated volume; an order not yet filled falls
    back to its original quantity ``q``. ``ap`` (average fill price) is the price.
    """
    order = data["o"]
    side = order["S"]
    if side == "SELL":
        liq_side = LIQ_LONGS
    elif side == "BUY":
        liq_side = LIQ_SHORTS
    else:
        raise DataError(f"{VENUE}: unknown forceOrder side {side!r}")
    filled = float(order["z"])
    return Tick(
        ts_event=ms_to_ns(order["T"]),
        ts_recv=ts_recv,
        symbol=order["s"],
        price=float(order["ap"]) or float(order["p"]),
        liq_volume=filled if filled > 0 else float(order["q"]),
        liq_side=liq_side,
    )


def parse_ws_message(msg: dict[str, Any], ts_recv: int) -> list[Event]:
    """Dispatch one WebSocket message (combined ``{"stream","data"}`` or raw) to its parser.

    Returns ``[]`` for streams that carry nothing for the core (klines); raises
    :class:`DataError` for a message of unknown kind.
    """
    data = msg.get("data", msg)
    if not isinstance(data, dict):
        raise DataError(f"{VENUE}: message data is not an object: {msg!r:.200}")
    kind = data.get("e")
    if kind == "bookTicker":
        return [parse_book_ticker(data, ts_recv)]
    if kind == "trade" or kind == "aggTrade":
        return [parse_trade(data, ts_recv)]
    if kind == "depthUpdate":
        return [parse_book_delta(data, ts_recv)]
    if kind == "markPriceUpdate":
        return [parse_mark_price(data, ts_recv)]
    if kind == "forceOrder":
        return [parse_liquidation(data, ts_recv)]
    if kind in _IGNORED_EVENTS:
        return []
    raise DataError(f"{VENUE}: unknown message kind {kind!r}: {msg!r:.200}")
