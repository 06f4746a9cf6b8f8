"""Kraken Futures (WebSocket v1 and REST v3): native JSON in, normalized events out (pure).

Message formats: https://docs.kraken.com/api/docs/futures-api/websocket/book (``book_snapshot``
and one-level ``book`` deltas, both with a per-product ``seq``), ``trade`` / ``trade_snapshot``
(``side`` is the taker side; ``type`` is ``fill``, ``liquidation``, ``termination`` or
``block``), ``ticker`` (with ``funding_rate`` and ``openInterest``) and ``ticker_lite``; and the
REST ``/derivatives/api/v3/tickers`` items (``fundingRate``, ``openInterest``). Sizes are in
contracts (1 USD per contract on the inverse ``PI_``/``FI_`` products).
"""

from __future__ import annotations

from typing import Any

from quantum.errors import DataError
from quantum.exchanges.common.convert import ms_to_ns, native_errors, opt_float
from quantum.exchanges.common.types import (
    LIQ_LONGS,
    LIQ_SHORTS,
    BookMessage,
    Event,
    Tick,
    taker_buys,
    trade_tick,
)

__all__ = [
    "parse_book_delta",
    "parse_book_snapshot",
    "parse_rest_ticker",
    "parse_ticker",
    "parse_trade",
    "parse_ws_message",
]

VENUE = "krakenfutures"
_native = native_errors(VENUE)

_CONTROL_EVENTS = frozenset({"info", "subscribed", "unsubscribed", "alert"})


@_native
def parse_book_snapshot(msg: dict[str, Any], ts_recv: int) -> BookMessage:
    """A ``book_snapshot``: the full book at ``seq``."""
    seq = int(msg["seq"])
    return BookMessage(
        ts_event=ms_to_ns(msg["timestamp"]),
        ts_recv=ts_recv,
        symbol=msg["product_id"],
        is_snapshot=True,
        first_id=seq,
        last_id=seq,
        prev_id=None,
        bids=[(float(lv["price"]), float(lv["qty"])) for lv in msg["bids"]],
        asks=[(float(lv["price"]), float(lv["qty"])) for lv in msg["asks"]],
    )


@_native
def parse_book_delta(msg: dict[str, Any], ts_recv: int) -> BookMessage:
    """A ``book`` delta: one level (``side``, ``price``, ``qty``; qty 0 deletes) at ``seq``,
    which is the previous message's ``seq`` + 1 for the product."""
    seq = int(msg["seq"])
    level = [(float(msg["price"]), float(msg["qty"]))]
    side = msg["side"]
    if side not in ("buy", "sell"):
        raise DataError(f"{VENUE}: unknown book side {side!r}")
    buy = side == "buy"
    return BookMessage(
        ts_event=ms_to_ns(msg["timestamp"]),
        ts_recv=ts_recv,
        symbol=msg["product_id"],
        is_snapshot=False,
        first_id=seq,
        last_id=seq,
        prev_id=None,
        bids=level if buy else [],
        asks=[] if buy else level,
    )


@_native
def parse_trade(t: dict[str, Any], ts_recv: int) -> Tick:
    """A ``trade`` (also each item of a ``trade_snapshot``). A ``liquidation``-type trade also
    sets ``liq_volume`` / ``liq_side``: the liquidation order is the taker, so a taker ``sell``
    means longs were liquidated (+1)."""
    qty = float(t["qty"])
    buy = taker_buys(t["side"], "buy", "sell", VENUE)
    tick = trade_tick(
        ts_event=ms_to_ns(t["time"]),
        ts_recv=ts_recv,
        symbol=t["product_id"],
        price=float(t["price"]),
        qty=qty,
        buy=buy,
    )
    if t.get("type") == "liquidation":
        tick.liq_volume = qty
        tick.liq_side = LIQ_SHORTS if buy else LIQ_LONGS
    return tick


@_native
def parse_ticker(msg: dict[str, Any], ts_recv: int) -> Tick:
    """A ``ticker`` (with ``time``, sizes, ``funding_rate``, ``openInterest``) or a
    ``ticker_lite`` (bid/ask only, no timestamp: ``ts_event`` is then the receive time)."""
    ts = msg.get("time")
    return Tick(
        ts_event=ms_to_ns(ts) if ts is not None else ts_recv,
        ts_recv=ts_recv,
        symbol=msg["product_id"],
        price=opt_float(msg.get("last")),
        bid=opt_float(msg.get("bid")),
        ask=opt_float(msg.get("ask")),
        bid_qty=opt_float(msg.get("bid_size")),
        ask_qty=opt_float(msg.get("ask_size")),
        funding_rate=opt_float(msg.get("funding_rate")),
        open_interest=opt_float(msg.get("openInterest")),
    )


@_native
def parse_rest_ticker(item: dict[str, Any], ts_recv: int) -> Tick:
    """One item of REST ``/derivatives/api/v3/tickers``: quote, funding rate, open interest.

    ``lastTime`` is an ISO-8601 string; the numeric ``serverTime`` of the envelope is not per
    item, so the receive time stands in for ``ts_event``.
    """
    return Tick(
        ts_event=ts_recv,
        ts_recv=ts_recv,
        symbol=item["symbol"],
        price=opt_float(item.get("last")),
        bid=opt_float(item.get("bid")),
        ask=opt_float(item.get("ask")),
        bid_qty=opt_float(item.get("bidSize")),
        ask_qty=opt_float(item.get("askSize")),
        funding_rate=opt_float(item.get("fundingRate")),
        open_interest=opt_float(item.get("openInterest")),
    )


def parse_ws_message(msg: dict[str, Any], ts_recv: int) -> list[Event]:
    """Dispatch one WebSocket message by ``feed``. Control events yield ``[]``; an ``error``
    event or unknown feed raises :class:`DataError`."""
    event = msg.get("event")
    if event is not None:
        if event == "error":
            raise DataError(f"{VENUE}: error event: {msg.get('message')}")
        if event in _CONTROL_EVENTS:
            return []
        raise DataError(f"{VENUE}: unknown event {event!r}")
    feed = msg.get("feed")
    if feed == "book":
        return [parse_book_delta(msg, ts_recv)]
    if feed == "trade":
        return [parse_trade(msg, ts_recv)]
    if feed == "ticker" or feed == "ticker_lite":
        return [parse_ticker(msg, ts_recv)]
    if feed == "book_snapshot":
        return [parse_book_snapshot(msg, ts_recv)]
    if feed == "trade_snapshot":
        trades = msg.get("trades")
        if not isinstance(trades, list):
            raise DataError(f"{VENUE}: trade_snapshot without trades")
        return [parse_trade(t, ts_recv) for t in trades]
    if feed == "heartbeat":
        return []
    raise DataError(f"{VENUE}: unknown message: {msg!r:.200}")
