"""Bybit v5 market data: the shared ccxt.pro client plus this venue's native parser."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.bybit.parse import parse_liquidations, parse_ws_message
from quantum.exchanges.common.data import MarketDataClient
from quantum.exchanges.common.types import Event, Tick

__all__ = ["BybitDataClient"]


class BybitDataClient(MarketDataClient):
    """Streams Bybit v5 market data (see :class:`MarketDataClient`).

    :meth:`parse_native` normalizes one recorded native WebSocket message, so a raw feed
    recorded from this venue replays through the same parser as the tests and benchmarks use.
    """

    venue = "bybit"

    @staticmethod
    def parse_native(message: Any, ts_recv: int) -> list[Event]:
        """Normalize one native Bybit v5 WebSocket message (parsed JSON)."""
        return parse_ws_message(message, ts_recv)

    def liquidation_ticks(self, liquidations: list[dict[str, Any]], ts_recv: int) -> list[Tick]:
        """ccxt keeps one ``allLiquidation`` item (or the older ``liquidation`` object) as
        ``info``; Bybit's side is the liquidated position's."""
        out: list[Tick] = []
        for liq in liquidations:
            info = liq["info"]
            # allLiquidation items come in a list; the older topic sends one object.
            out += parse_liquidations({"data": [info] if "T" in info else info}, ts_recv)
        return out
