"""Binance USD-M futures: native JSON in, normalized events out (pure functions).

Message formats: https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams
(``depthUpdate`` with ``U``/``u``/``pu``, ``trade``/``aggTrade``, ``bookTicker``,
``markPriceUpdate``, ``forceOrder``) and the REST ``/fapi/v1/depth``, ``/fapi/v1/premiumIndex``,
``/fapi/v1/openInterest`` responses. ``ts_event`` is the matching-engine time ``T`` where the
message has one, else the event time ``E``.

This is the hot path of a live Binance feed (hundreds of thousands of messages a minute), so
the message parsers index the JSON directly, build ticks positionally and share one bounded
:class:`FloatCache`; malformed input still surfaces as :class:`DataError` through one
``try`` per public call.
"""

from __future__ import annotations

from typing import Any

from quantum.errors import DataError
from quantum.exchanges.common.convert import FloatCache, levels, ms_to_ns, native_errors
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
_NS_PER_MS = 1_000_000
_num = FloatCache()

# Streams we subscribe to for other consumers (bars) but that carry no tick for the core.
_IGNORED_EVENTS = frozenset({"kline", "continuous_kline", "24hrTicker", "24hrMiniTicker"})
_MALFORMED = (KeyError, TypeError, ValueError, IndexError, AttributeError)


def _ts(data: dict[str, Any]) -> int:
    t = data.get("T")
    return int(t if t is not None else data["E"]) * _NS_PER_MS


def _book_delta(data: dict[str, Any], ts_recv: int) -> BookMessage:
    num = _num
    return BookMessage(
        _ts(data),
        ts_recv,
        data["s"],
        False,
        int(data["U"]),
        int(data["u"]),
        int(data["pu"]),
        [(num[p], num[q]) for p, q in data["b"]],
        [(num[p], num[q]) for p, q in data["a"]],
    )


def _trade(data: dict[str, Any], ts_recv: int) -> Tick:
    qty = float(data["q"])
    t = data.get("T")  # _ts() inlined: this and _book_ticker run for ~95 % of messages
    ts = int(t if t is not None else data["E"]) * _NS_PER_MS
    # Positional Tick fields: ts_event, ts_recv, symbol, price, bid, ask, bid_qty, ask_qty,
    # volume, buy_volume, sell_volume. ``m`` (buyer is maker) means the aggressor sold.
    if data["m"]:
        return Tick(ts, ts_recv, data["s"], _num[data["p"]], None, None, None, None,
                    qty, None, qty)  # fmt: skip
    return Tick(ts, ts_recv, data["s"], _num[data["p"]], None, None, None, None,
                qty, qty, None)  # fmt: skip


def _book_ticker(data: dict[str, Any], ts_recv: int) -> Tick:
    num = _num
    t = data.get("T")
    ts = int(t if t is not None else data["E"]) * _NS_PER_MS
    # Positional Tick fields: ts_event, ts_recv, symbol, price, bid, ask, bid_qty, ask_qty.
    return Tick(ts, ts_recv, data["s"], None, num[data["b"]], num[data["a"]],
                num[data["B"]], num[data["A"]])  # fmt: skip


def _mark_price(data: dict[str, Any], ts_recv: int) -> Tick:
    return Tick(
        ts_event=ms_to_ns(data["E"]),
        ts_recv=ts_recv,
        symbol=data["s"],
        funding_rate=float(data["r"]),
    )


def _liquidation(data: dict[str, Any], ts_recv: int) -> Tick:
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
    return _book_delta(data, ts_recv)


@_native
def parse_trade(data: dict[str, Any], ts_recv: int) -> Tick:
    """A ``trade`` or ``aggTrade`` event. ``m`` (buyer is maker) means the aggressor sold."""
    return _trade(data, ts_recv)


@_native
def parse_book_ticker(data: dict[str, Any], ts_recv: int) -> Tick:
    """A ``bookTicker`` event: best bid/ask and their sizes."""
    return _book_ticker(data, ts_recv)


@_native
def parse_mark_price(data: dict[str, Any], ts_recv: int) -> Tick:
    """A ``markPriceUpdate`` event; ``r`` is the funding rate (the mark price is not a trade)."""
    return _mark_price(data, ts_recv)


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
    return _liquidation(data, ts_recv)


def parse_ws_message(msg: dict[str, Any], ts_recv: int) -> list[Event]:
    """Dispatch one WebSocket message (combined ``{"stream","data"}`` or raw) to its parser.

    Returns ``[]`` for streams that carry nothing for the core (klines); raises
    :class:`DataError` for a malformed message or one of unknown kind.
    """
    data = msg.get("data", msg)
    if not isinstance(data, dict):
        raise DataError(f"{VENUE}: message data is not an object: {msg!r:.200}")
    kind = data.get("e")
    try:
        if kind == "bookTicker":
            return [_book_ticker(data, ts_recv)]
        if kind == "trade" or kind == "aggTrade":
            return [_trade(data, ts_recv)]
        if kind == "depthUpdate":
            _num.trim()
            return [_book_delta(data, ts_recv)]
        if kind == "markPriceUpdate":
            return [_mark_price(data, ts_recv)]
        if kind == "forceOrder":
            return [_liquidation(data, ts_recv)]
    except _MALFORMED as exc:
        raise DataError(f"{VENUE}: malformed {kind} message: {type(exc).__name__}: {exc}") from exc
    if kind in _IGNORED_EVENTS:
        return []
    raise DataError(f"{VENUE}: unknown message kind {kind!r}: {msg!r:.200}")
