"""Kraken spot (WebSocket v1): native JSON in, normalized events out (pure functions).

Message formats: https://docs.kraken.com/api/docs/websocket-v1/book (array messages
``[channelID, payload..., channelName, pair]``: a ``book-N`` snapshot ``{"as", "bs"}``, updates
``{"a"}`` and/or ``{"b", "c"}`` where ``c`` is the CRC32 of the top 10 levels), ``trade``,
``ticker`` and ``spread``. Kraken spot has no funding, open interest or liquidations.

Each level is ``[price, volume, timestamp]`` (plus ``"r"`` for a republished update); the
strings are kept as sent because the checksum is computed over them.
"""

from __future__ import annotations

from typing import Any

from quantum.errors import DataError
from quantum.exchanges.common.convert import native_errors, seconds_text_to_ns
from quantum.exchanges.common.types import BookMessage, Event, Tick, taker_buys, trade_tick

__all__ = [
    "parse_book",
    "parse_spread",
    "parse_ticker",
    "parse_trades",
    "parse_ws_message",
]

VENUE = "kraken"
_native = native_errors(VENUE)


def _side(
    raw: list[list[str]], ts: int
) -> tuple[list[tuple[float, float]], list[tuple[str, str]], int]:
    text = [(lv[0], lv[1]) for lv in raw]
    latest = ts
    for lv in raw:
        t = seconds_text_to_ns(lv[2])
        if t > latest:
            latest = t
    return [(float(p), float(q)) for p, q in text], text, latest


@_native
def parse_book(msg: list[Any], ts_recv: int) -> BookMessage:
    """A ``book-N`` array message: a snapshot (``as``/``bs``) or an update (``a``/``b``/``c``).

    ``ts_event`` is the latest level timestamp in the message (Kraken stamps levels, not
    messages). Kraken spot has no sequence ids; ``checksum`` (updates only) guards the book.
    """
    pair = msg[-1]
    payloads = msg[1:-2]
    if not payloads or not all(isinstance(p, dict) for p in payloads):
        raise DataError(f"{VENUE}: book message without payload: {msg!r:.200}")
    first = payloads[0]
    if "as" in first or "bs" in first:
        bids, bids_text, ts = _side(first.get("bs", []), 0)
        asks, asks_text, ts = _side(first.get("as", []), ts)
        return BookMessage(
            ts_event=ts or ts_recv,
            ts_recv=ts_recv,
            symbol=pair,
            is_snapshot=True,
            first_id=None,
            last_id=None,
            prev_id=None,
            bids=bids,
            asks=asks,
            bids_text=bids_text,
            asks_text=asks_text,
        )
    raw_bids: list[list[str]] = []
    raw_asks: list[list[str]] = []
    checksum: int | None = None
    for p in payloads:
        if "a" in p:
            raw_asks.extend(p["a"])
        if "b" in p:
            raw_bids.extend(p["b"])
        if "c" in p:
            checksum = int(p["c"])
    bids, bids_text, ts = _side(raw_bids, 0)
    asks, asks_text, ts = _side(raw_asks, ts)
    return BookMessage(
        ts_event=ts or ts_recv,
        ts_recv=ts_recv,
        symbol=pair,
        is_snapshot=False,
        first_id=None,
        last_id=None,
        prev_id=None,
        bids=bids,
        asks=asks,
        checksum=checksum,
        bids_text=bids_text,
        asks_text=asks_text,
    )


@_native
def parse_trades(msg: list[Any], ts_recv: int) -> list[Tick]:
    """A ``trade`` array message: ``[price, volume, time, side, orderType, misc]`` per trade;
    ``side`` ``b``/``s`` is the taker side."""
    pair = msg[-1]
    out: list[Tick] = []
    for t in msg[1]:
        out.append(
            trade_tick(
                ts_event=seconds_text_to_ns(t[2]),
                ts_recv=ts_recv,
                symbol=pair,
                price=float(t[0]),
                qty=float(t[1]),
                buy=taker_buys(t[3], "b", "s", VENUE),
            )
        )
    return out


@_native
def parse_ticker(msg: list[Any], ts_recv: int) -> Tick:
    """A ``ticker`` array message. It has no timestamp, so ``ts_event`` is the receive time."""
    d = msg[1]
    return Tick(
        ts_event=ts_recv,
        ts_recv=ts_recv,
        symbol=msg[-1],
        price=float(d["c"][0]),
        bid=float(d["b"][0]),
        ask=float(d["a"][0]),
        bid_qty=float(d["b"][2]),
        ask_qty=float(d["a"][2]),
    )


@_native
def parse_spread(msg: list[Any], ts_recv: int) -> Tick:
    """A ``spread`` array message: ``[bid, ask, timestamp, bidVolume, askVolume]``."""
    s = msg[1]
    return Tick(
        ts_event=seconds_text_to_ns(s[2]),
        ts_recv=ts_recv,
        symbol=msg[-1],
        bid=float(s[0]),
        ask=float(s[1]),
        bid_qty=float(s[3]),
        ask_qty=float(s[4]),
    )


def parse_ws_message(msg: dict[str, Any] | list[Any], ts_recv: int) -> list[Event]:
    """Dispatch one WebSocket v1 message. Events (heartbeat, status) yield ``[]``; an ``error``
    event or unknown channel raises :class:`DataError`."""
    if isinstance(msg, dict):
        event = msg.get("event")
        if event == "error" or msg.get("status") == "error":
            raise DataError(f"{VENUE}: error event: {msg.get('errorMessage')}")
        if event is None:
            raise DataError(f"{VENUE}: object message without event: {msg!r:.200}")
        return []
    if not isinstance(msg, list) or len(msg) < 4:
        raise DataError(f"{VENUE}: malformed array message: {msg!r:.200}")
    channel = msg[-2]
    if not isinstance(channel, str):
        raise DataError(f"{VENUE}: malformed channel name: {channel!r}")
    if channel.startswith("book"):
        return [parse_book(msg, ts_recv)]
    if channel == "trade":
        return list(parse_trades(msg, ts_recv))
    if channel == "ticker":
        return [parse_ticker(msg, ts_recv)]
    if channel == "spread":
        return [parse_spread(msg, ts_recv)]
    raise DataError(f"{VENUE}: unknown channel {channel!r}")
