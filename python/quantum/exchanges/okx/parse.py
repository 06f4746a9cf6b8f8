"""OKX v5: native JSON in, normalized events out (pure functions).

Message formats: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel
(``books`` family: ``action`` snapshot/update, levels ``[px, sz, liquidated_orders, orders]``,
signed CRC32 ``checksum`` over the top 25 levels, and — since 2023 — ``seqId``/``prevSeqId``),
``trades``, ``tickers``, ``funding-rate``, ``open-interest`` and ``liquidation-orders``
(https://www.okx.com/docs-v5/en/#public-data-websocket-liquidation-orders-channel). REST
``/api/v5/public/funding-rate`` and ``/open-interest`` items have the same shape as the
WebSocket ones. Sizes of derivatives are in contracts (see the instrument's ``ctVal``).
"""

from __future__ import annotations

from typing import Any

from quantum.errors import DataError
from quantum.exchanges.common.convert import levels_with_text, ms_to_ns, native_errors, opt_float
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
    "parse_book",
    "parse_funding_rate",
    "parse_liquidations",
    "parse_open_interest",
    "parse_ticker",
    "parse_trades",
    "parse_ws_message",
]

VENUE = "okx"
_native = native_errors(VENUE)

_BOOK_CHANNELS = frozenset({"books", "books5", "bbo-tbt", "books-l2-tbt", "books50-l2-tbt"})


def _opt_int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


@_native
def parse_book(msg: dict[str, Any], ts_recv: int) -> list[BookMessage]:
    """A ``books*`` push. ``action`` is ``snapshot`` or ``update`` (``books5``/``bbo-tbt`` send
    full top-of-book snapshots without an action). Price/size strings are kept as sent in
    ``bids_text``/``asks_text`` because the checksum is computed over them."""
    inst = msg["arg"]["instId"]
    action = msg.get("action", "snapshot")
    if action not in ("snapshot", "update"):
        raise DataError(f"{VENUE}: unknown book action {action!r}")
    out: list[BookMessage] = []
    for d in msg["data"]:
        bids, bids_text = levels_with_text(d["bids"])
        asks, asks_text = levels_with_text(d["asks"])
        seq = _opt_int(d.get("seqId"))
        out.append(
            BookMessage(
                ts_event=ms_to_ns(d["ts"]),
                ts_recv=ts_recv,
                symbol=d.get("instId", inst),
                is_snapshot=action == "snapshot",
                first_id=seq,
                last_id=seq,
                prev_id=_opt_int(d.get("prevSeqId")),
                bids=bids,
                asks=asks,
                checksum=_opt_int(d.get("checksum")),
                bids_text=bids_text,
                asks_text=asks_text,
            )
        )
    return out


@_native
def parse_trades(msg: dict[str, Any], ts_recv: int) -> list[Tick]:
    """A ``trades`` push; ``side`` is the taker side."""
    out: list[Tick] = []
    for t in msg["data"]:
        out.append(
            trade_tick(
                ts_event=ms_to_ns(t["ts"]),
                ts_recv=ts_recv,
                symbol=t["instId"],
                price=float(t["px"]),
                qty=float(t["sz"]),
                buy=taker_buys(t["side"], "buy", "sell", VENUE),
            )
        )
    return out


@_native
def parse_ticker(msg: dict[str, Any], ts_recv: int) -> list[Tick]:
    """A ``tickers`` push (or a REST ``/market/ticker`` item): last price and best bid/ask."""
    return [
        Tick(
            ts_event=ms_to_ns(d["ts"]),
            ts_recv=ts_recv,
            symbol=d["instId"],
            price=opt_float(d.get("last")),
            bid=opt_float(d.get("bidPx")),
            ask=opt_float(d.get("askPx")),
            bid_qty=opt_float(d.get("bidSz")),
            ask_qty=opt_float(d.get("askSz")),
        )
        for d in msg["data"]
    ]


@_native
def parse_funding_rate(item: dict[str, Any], ts_recv: int) -> Tick:
    """One ``funding-rate`` item (WebSocket push or REST ``/public/funding-rate``).

    ``ts`` is the data time where sent; older pushes only carry ``fundingTime``.
    """
    ts = item.get("ts") or item["fundingTime"]
    return Tick(
        ts_event=ms_to_ns(ts),
        ts_recv=ts_recv,
        symbol=item["instId"],
        funding_rate=float(item["fundingRate"]),
    )


@_native
def parse_open_interest(item: dict[str, Any], ts_recv: int) -> Tick:
    """One ``open-interest`` item (WebSocket or REST): ``oi`` in contracts."""
    return Tick(
        ts_event=ms_to_ns(item["ts"]),
        ts_recv=ts_recv,
        symbol=item["instId"],
        open_interest=float(item["oi"]),
    )


@_native
def parse_liquidations(msg: dict[str, Any], ts_recv: int) -> list[Tick]:
    """A ``liquidation-orders`` push: per instrument, ``details`` of forced orders.

    ``side`` is the forced order's side: a ``sell`` closes a long (longs liquidated, +1), a
    ``buy`` closes a short (−1). ``posSide`` agrees in hedge mode and is ``net`` otherwise, so
    the order side is the one field valid in both modes. ``bkPx`` (bankruptcy price) is the price.
    """
    out: list[Tick] = []
    for inst in msg["data"]:
        symbol = inst["instId"]
        for d in inst["details"]:
            side = d["side"]
            if side == "sell":
                liq_side = LIQ_LONGS
            elif side == "buy":
                liq_side = LIQ_SHORTS
            else:
                raise DataError(f"{VENUE}: unknown liquidation side {side!r}")
            out.append(
                Tick(
                    ts_event=ms_to_ns(d["ts"]),
                    ts_recv=ts_recv,
                    symbol=symbol,
                    price=float(d["bkPx"]),
                    liq_volume=float(d["sz"]),
                    liq_side=liq_side,
                )
            )
    return out


def parse_ws_message(msg: dict[str, Any], ts_recv: int) -> list[Event]:
    """Dispatch one public WebSocket push by ``arg.channel``.

    Subscribe acknowledgements yield ``[]``; an ``error`` event or unknown channel raises
    :class:`DataError`.
    """
    event = msg.get("event")
    if event is not None:
        if event == "error":
            raise DataError(f"{VENUE}: error event code={msg.get('code')} {msg.get('msg')}")
        return []
    arg = msg.get("arg")
    if not isinstance(arg, dict):
        raise DataError(f"{VENUE}: push without arg: {msg!r:.200}")
    channel = arg.get("channel")
    if channel in _BOOK_CHANNELS:
        return list(parse_book(msg, ts_recv))
    if channel == "trades" or channel == "trades-all":
        return list(parse_trades(msg, ts_recv))
    if channel == "tickers":
        return list(parse_ticker(msg, ts_recv))
    if channel == "funding-rate":
        return [parse_funding_rate(d, ts_recv) for d in msg["data"]]
    if channel == "open-interest":
        return [parse_open_interest(d, ts_recv) for d in msg["data"]]
    if channel == "liquidation-orders":
        return list(parse_liquidations(msg, ts_recv))
    raise DataError(f"{VENUE}: unknown channel {channel!r}")
