"""OKX v5 market data: the shared ccxt.pro client plus this venue's native parser."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.common.data import MarketDataClient
from quantum.exchanges.common.types import Event, Tick
from quantum.exchanges.okx.parse import parse_liquidations, parse_ws_message

__all__ = ["OkxDataClient"]


class OkxDataClient(MarketDataClient):
    """Streams OKX v5 market data (see :class:`MarketDataClient`).

    :meth:`parse_native` normalizes one recorded native WebSocket message, so a raw feed
    recorded from this venue replays through the same parser as the tests and benchmarks use.
    """

    venue = "okx"

    @staticmethod
    def parse_native(message: Any, ts_recv: int) -> list[Event]:
        """Normalize one native OKX v5 WebSocket message (parsed JSON)."""
        return parse_ws_message(message, ts_recv)

    def liquidation_ticks(self, liquidations: list[dict[str, Any]], ts_recv: int) -> list[Tick]:
        """ccxt keeps the per-instrument entry (``instId`` + ``details``) as ``info``; every
        detail becomes a tick, the forced order's side giving ``liq_side``."""
        return parse_liquidations({"data": [liq["info"] for liq in liquidations]}, ts_recv)
