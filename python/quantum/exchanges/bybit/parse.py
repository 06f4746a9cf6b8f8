"""Bybit v5 (linear perpetuals and spot): native JSON in, normalized events out (pure functions).

Message formats: https://bybit-exchange.github.io/docs/v5/websocket/public/orderbook
(``orderbook.{depth}.{symbol}`` snapshot/delta with update id ``u``), ``publicTrade``,
``tickers`` (snapshot then deltas carrying only changed fields; linear tickers include
``fundingRate`` and ``openInterest``), ``allLiquidation``; and the REST
``/v5/market/funding/history`` and ``/v5/market/open-interest`` results.
"""

from __future__ import annotations

from typing import Any

from quantum.errors import DataError
from quantum.exchanges.common.convert import levels, ms_to_ns, native_errors, opt_float
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

VENUE = "bybit"
_native = native_errors(VENUE)

# Topic prefixes that carry nothing for the core (bars are loaded elsewhere).
_IGNORED_TOPICS = frozenset({"kline"})


@_native
def parse_book(msg: dict[str, Any], ts_recv: int) -> BookMessage:
    """An ``orderbook.*`` message, snapshot or delta.

    Bybit's ``u`` goes up by one per delta of a topic; a snapshot (sent on subscribe and again
    whenever the venue resets the stream) restarts the chain. ``u`` fills both ids; there is no
    previous id, so the book checks ``u == last u + 1``.
    """
    kind = msg["type"]
    if kind not in ("snapshot", "delta"):
        raise DataError(f"{VENUE}: unknown orderbook message type {kind!r}")
    data = msg["data"]
    u = int(data["u"])
    return BookMessage(
        ts_event=ms_to_ns(msg.get("cts", msg["ts"])),
        ts_recv=ts_recv,
        symbol=data["s"],
        is_snapshot=kind == "snapshot",
        first_id=u,
        last_id=u,
        prev_id=None,
        bids=levels(data["b"]),
        asks=levels(data["a"]),
    )


@_native
def parse_trades(msg: dict[str, Any], ts_recv: int) -> list[Tick]:
    """A ``publicTrade.*`` message; ``S`` is the taker (aggressor) side."""
    out: list[Tick] = []
    for t in msg["data"]:
        out.append(
            trade_tick(
                ts_event=ms_to_ns(t["T"]),
                ts_recv=ts_recv,
                symbol=t["s"],
                price=float(t["p"]),
                qty=float(t["v"]),
                buy=taker_buys(t["S"], "Buy", "Sell", VENUE),
            )
        )
    return out


@_native
def parse_ticker(msg: dict[str, Any], ts_recv: int) -> list[Tick]:
    """A ``tickers.*`` snapshot or delta. A delta carries only the fields that changed, so the
    tick carries only those; a delta that changes none of our fields yields nothing."""
    d = msg["data"]
    tick = Tick(
        ts_event=ms_to_ns(msg["ts"]),
        ts_recv=ts_recv,
        symbol=d["symbol"],
        price=opt_float(d.get("lastPrice")),
        bid=opt_float(d.get("bid1Price")),
        ask=opt_float(d.get("ask1Price")),
        bid_qty=opt_float(d.get("bid1Size")),
        ask_qty=opt_float(d.get("ask1Size")),
        funding_rate=opt_float(d.get("fundingRate")),
        open_interest=opt_float(d.get("openInterest")),
    )
    if (
        tick.price is None
        and tick.bid is None
        and tick.ask is None
        and tick.bid_qty is None
        and tick.ask_qty is None
        and tick.funding_rate is None
        and tick.open_interest is None
    ):
        return []
    return [tick]


def _liq_side(position_side: str) -> int:
    # Bybit reports the liquidated POSITION's side: "Buy" means a long was liquidated.
    if position_side == "Buy":
        return LIQ_LONGS
    if position_side == "Sell":
        return LIQ_SHORTS
    raise DataError(f"{VENUE}: unknown liquidation side {position_side!r}")


@_native
def parse_liquidations(msg: dict[str, Any], ts_recv: int) -> list[Tick]:
    """An ``allLiquidation.*`` message (list of ``{T, s, S, v, p}``) or the older
    ``liquidation.*`` one (``{updatedTime, symbol, side, size, price}``).

    ``S`` / ``side`` is the liquidated position's side: ``Buy`` = longs liquidated (+1).
    """
    data = msg["data"]
    if isinstance(data, dict):
        return [
            Tick(
                ts_event=ms_to_ns(data["updatedTime"]),
                ts_recv=ts_recv,
                symbol=data["symbol"],
                price=float(data["price"]),
                liq_volume=float(data["size"]),
                liq_side=_liq_side(data["side"]),
            )
        ]
    return [
        Tick(
            ts_event=ms_to_ns(x["T"]),
            ts_recv=ts_recv,
            symbol=x["s"],
            price=float(x["p"]),
            liq_volume=float(x["v"]),
            liq_side=_liq_side(x["S"]),
        )
        for x in data
    ]


@_native
def parse_funding_rate(item: dict[str, Any], ts_recv: int) -> Tick:
    """One item of REST ``/v5/market/funding/history`` ``result.list``."""
    return Tick(
        ts_event=ms_to_ns(item["fundingRateTimestamp"]),
        ts_recv=ts_recv,
        symbol=item["symbol"],
        funding_rate=float(item["fundingRate"]),
    )


@_native
def parse_open_interest(result: dict[str, Any], ts_recv: int) -> list[Tick]:
    """REST ``/v5/market/open-interest`` ``result`` (``symbol`` + ``list`` of points)."""
    symbol = result["symbol"]
    return [
        Tick(
            ts_event=ms_to_ns(p["timestamp"]),
            ts_recv=ts_recv,
            symbol=symbol,
            open_interest=float(p["openInterest"]),
        )
        for p in result["list"]
    ]


def parse_ws_message(msg: dict[str, Any], ts_recv: int) -> list[Event]:
    """Dispatch one public WebSocket message by topic.

    Control messages (subscribe acks, pongs) and klines yield ``[]``; an unknown topic raises
    :class:`DataError`.
    """
    topic = msg.get("topic")
    if topic is None:
        if "op" in msg or "success" in msg:
            return []
        raise DataError(f"{VENUE}: message without topic: {msg!r:.200}")
    prefix = topic.split(".", 1)[0]
    if prefix == "orderbook":
        return [parse_book(msg, ts_recv)]
    if prefix == "publicTrade":
        return list(parse_trades(msg, ts_recv))
    if prefix == "tickers":
        return list(parse_ticker(msg, ts_recv))
    if prefix in ("allLiquidation", "liquidation"):
        return list(parse_liquidations(msg, ts_recv))
    if prefix in _IGNORED_TOPICS:
        return []
    raise DataError(f"{VENUE}: unknown topic {topic!r}")
