"""Kraken spot market data: the shared ccxt.pro client plus this venue's native parsers."""

from __future__ import annotations

from typing import Any

from quantum.exchanges.common.data import MarketDataClient
from quantum.exchanges.common.types import Event
from quantum.exchanges.kraken.parse import parse_ws_message
from quantum.exchanges.kraken.parse_v2 import decimals_of_tick, parse_ws_message_v2

__all__ = ["KrakenDataClient"]


class KrakenDataClient(MarketDataClient):
    """Streams Kraken spot market data (see :class:`MarketDataClient`).

    :meth:`parse_native` normalizes one native WebSocket message: a v1 message (recorded
    feeds) or a v2 object (what ccxt.pro subscribes to, carrying a ``channel``), whose
    numbers are printed with the pair's decimals from the loaded markets.
    """

    venue = "kraken"

    def parse_native(self, message: Any, ts_recv: int) -> list[Event]:
        """Normalize one native Kraken spot WebSocket message (parsed JSON), v1 or v2."""
        if isinstance(message, dict) and "event" not in message:
            return parse_ws_message_v2(message, ts_recv, self._decimals())
        return parse_ws_message(message, ts_recv)

    def _decimals(self) -> dict[str, tuple[int, int]]:
        # Built once per markets table: ccxt loads (and may reload) it as a new dict.
        markets = self.exchange.markets or {}
        cached: tuple[object, dict[str, tuple[int, int]]] | None = getattr(
            self, "_decimals_cache", None
        )
        if cached is not None and cached[0] is markets:
            return cached[1]
        out: dict[str, tuple[int, int]] = {}
        for symbol, market in markets.items():
            precision = market.get("precision") or {}
            price, amount = precision.get("price"), precision.get("amount")
            if price is not None and amount is not None:
                out[symbol] = (decimals_of_tick(price), decimals_of_tick(amount))
        self._decimals_cache = (markets, out)
        return out
