"""Bybit v5 market data: the shared ccxt.pro client plus this venue's native parser."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.bybit.parse import parse_ws_message
from quantum.exchanges.common.data import MarketDataClient
from quantum.exchanges.common.types import Event

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
