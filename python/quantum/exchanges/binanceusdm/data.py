"""Binance USD-M futures market data: the shared ccxt.pro client plus this venue's native parser."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.binanceusdm.parse import parse_liquidation, parse_ws_message
from quantum.exchanges.common.data import MarketDataClient
from quantum.exchanges.common.types import Event, Tick

__all__ = ["BinanceUsdmDataClient"]


class BinanceUsdmDataClient(MarketDataClient):
    """Streams Binance USD-M futures market data (see :class:`MarketDataClient`).

    :meth:`parse_native` normalizes one recorded native WebSocket message, so a raw feed
    recorded from this venue replays through the same parser as the tests and benchmarks use.
    """

    venue = "binanceusdm"

    @staticmethod
    def parse_native(message: Any, ts_recv: int) -> list[Event]:
        """Normalize one native Binance USD-M futures WebSocket message (parsed JSON)."""
        return parse_ws_message(message, ts_recv)

    def liquidation_ticks(self, liquidations: list[dict[str, Any]], ts_recv: int) -> list[Tick]:
        """ccxt keeps the ``forceOrder`` event's order object ``o`` as ``info``."""
        return [parse_liquidation({"o": liq["info"]}, ts_recv) for liq in liquidations]
