"""Kraken spot market data: the shared ccxt.pro client plus this venue's native parser."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.common.data import MarketDataClient
from quantum.exchanges.common.types import Event
from quantum.exchanges.kraken.parse import parse_ws_message

__all__ = ["KrakenDataClient"]


class KrakenDataClient(MarketDataClient):
    """Streams Kraken spot market data (see :class:`MarketDataClient`).

    :meth:`parse_native` normalizes one recorded native WebSocket message, so a raw feed
    recorded from this venue replays through the same parser as the tests and benchmarks use.
    """

    venue = "kraken"

    @staticmethod
    def parse_native(message: Any, ts_recv: int) -> list[Event]:
        """Normalize one native Kraken spot WebSocket message (parsed JSON)."""
        return parse_ws_message(message, ts_recv)
