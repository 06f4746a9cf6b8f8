"""The Liquidation Hunter on each venue's own messages: trade prints and liquidation messages in
Binance USDⓈ-M, Bybit v5 and OKX v5 wire format (as their documentation shows them, the way
their WebSocket streams deliver them) go through the venue's native parser and the engine. A
cluster — liquidations that make up most of what traded over the last second — fires; an
isolated liquidation amid normal trading does not. The venues publish liquidations and trades
on separate streams, so no single message knows the ratio: only the rolling window does.

None of the shared captures holds a liquidation (SOURCES.md: Bybit's ``allLiquidation`` was
subscribed but none came), so the sequences here are built in the venues' formats.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import quantum
from quantum import _core
from quantum.exchanges.common.types import TICK_FLOAT_FIELDS, Tick

MS = 1_000_000
T0 = 1_723_161_256_000  # ms

HUNTER_ONLY = quantum.EngineConfig(
    order_flow=quantum.OrderFlowConfig(enabled=False),
    volatility_fader=quantum.VolatilityFaderConfig(enabled=False),
)


def _binance(kind: str, ts: int, qty: float, sell: bool) -> dict[str, Any]:
    if kind == "trade":
        return {
            "stream": "btcusdt@trade",
            "data": {
                "e": "trade", "E": ts, "T": ts, "s": "BTCUSDT", "t": ts, "p": "61800.30",
                "q": f"{qty:.3f}", "X": "MARKET", "m": sell,
            },
        }  # fmt: skip
    return {
        "stream": "btcusdt@forceOrder",
        "data": {
            "e": "forceOrder", "E": ts,
            "o": {
                "s": "BTCUSDT", "S": "SELL" if sell else "BUY", "o": "LIMIT", "f": "IOC",
                "q": f"{qty:.3f}", "p": "61700.00", "ap": "61790.50", "X": "FILLED",
                "l": f"{qty:.3f}", "z": f"{qty:.3f}", "T": ts,
            },
        },
    }  # fmt: skip


def _bybit(kind: str, ts: int, qty: float, sell: bool) -> dict[str, Any]:
    if kind == "trade":
        item = {
            "T": ts, "s": "BTCUSDT", "S": "Sell" if sell else "Buy", "v": f"{qty:.3f}",
            "p": "61800.30", "L": "MinusTick", "i": f"t-{ts}", "BT": False,
        }  # fmt: skip
        return {"topic": "publicTrade.BTCUSDT", "type": "snapshot", "ts": ts, "data": [item]}
    # Bybit reports the liquidated position's side: Buy = a long was liquidated (forced sell).
    item = {
        "T": ts,
        "s": "BTCUSDT",
        "S": "Buy" if sell else "Sell",
        "v": f"{qty:.3f}",
        "p": "61790.50",
    }
    return {"topic": "allLiquidation.BTCUSDT", "type": "snapshot", "ts": ts, "data": [item]}


def _okx(kind: str, ts: int, qty: float, sell: bool) -> dict[str, Any]:
    # OKX sizes are contracts (0.01 BTC for BTC-USDT-SWAP) on both channels.
    contracts = f"{qty * 100:.0f}"
    if kind == "trade":
        item = {
            "instId": "BTC-USDT-SWAP", "tradeId": str(ts), "px": "61800.3", "sz": contracts,
            "side": "sell" if sell else "buy", "ts": str(ts),
        }  # fmt: skip
        return {"arg": {"channel": "trades", "instId": "BTC-USDT-SWAP"}, "data": [item]}
    detail = {
        "bkLoss": "0", "bkPx": "61790.5", "ccy": "", "posSide": "long" if sell else "short",
        "side": "sell" if sell else "buy", "sz": contracts, "ts": str(ts),
    }  # fmt: skip
    return {
        "arg": {"channel": "liquidation-orders", "instType": "SWAP"},
        "data": [{"details": [detail], "instId": "BTC-USDT-SWAP", "instType": "SWAP"}],
    }


VENUES: dict[str, Callable[[str, int, float, bool], dict[str, Any]]] = {
    "binanceusdm": _binance,
    "bybit": _bybit,
    "okx": _okx,
}


def _market(
    make: Callable[..., dict[str, Any]], liquidations: list[tuple[int, float]]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Thirty seconds of trading, 1 BTC a second in four prints, and liquidations of longs
    (forced sells) at the given (ms, BTC); the forced orders print as trades too."""
    liq = dict(liquidations)
    for ms in range(0, 30_000, 250):
        yield T0 + ms, make("trade", T0 + ms, 0.25, ms % 500 == 0)
        if ms in liq:
            yield T0 + ms + 5, make("trade", T0 + ms + 5, liq[ms], True)
            yield T0 + ms + 10, make("liquidation", T0 + ms + 10, liq[ms], True)


def _signals(venue: str, messages: Iterator[tuple[int, dict[str, Any]]]) -> list[_core.SignalEvent]:
    """The hunter's signals on the messages, each received 5 ms after it was sent."""
    parse = importlib.import_module(f"quantum.exchanges.{venue}.parse").parse_ws_message
    ticks: list[Tick] = []
    for sent_ms, msg in messages:
        ticks += [t for t in parse(msg, (sent_ms + 5) * MS) if isinstance(t, Tick)]
    engine = quantum.Engine(HUNTER_ONLY, symbols=sorted({t.symbol for t in ticks}))
    out: list[_core.SignalEvent] = []
    for t in ticks:
        fields = {k: getattr(t, k) for k in TICK_FLOAT_FIELDS if getattr(t, k) is not None}
        events = engine.on_tick(
            t.ts_event, t.ts_recv, engine.symbol_id(t.symbol), liq_side=t.liq_side or 0, **fields
        )
        out += [e for e in events if isinstance(e, _core.SignalEvent)]
    return out


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_a_liquidation_cluster_fires_the_hunter(venue: str) -> None:
    # From 20 s on, a long squeeze: a liquidation of 1.5, 2 and 3 BTC each half second, against
    # the usual 1 BTC a second of other prints (the ratio in the window passes 0.8).
    cluster = [(20_000, 1.5), (20_500, 2.0), (21_000, 3.0)]
    signals = _signals(venue, _market(VENUES[venue], cluster))
    assert signals, venue
    first = signals[0]
    assert (first.strategy, first.side, first.reason) == (
        "liquidation_hunter",
        "LONG",
        "longs liquidated",
    )
    assert first.ts_event >= (T0 + 20_000) * MS


@pytest.mark.parametrize("venue", sorted(VENUES))
def test_an_isolated_liquidation_does_not(venue: str) -> None:
    # One forced sell of 0.1 BTC among the usual prints: a tenth of what traded.
    signals = _signals(venue, _market(VENUES[venue], [(20_000, 0.1)]))
    assert signals == [], venue
