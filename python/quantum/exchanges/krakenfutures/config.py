"""Kraken Futures adapter configuration."""

from __future__ import annotations

from pydantic import Field

from quantum.exchanges.common.config import VenueConfig

__all__ = ["KrakenFuturesConfig"]


class KrakenFuturesConfig(VenueConfig):
    """Kraken Futures settings; by default only perpetuals and fixed-maturity futures are loaded."""

    market_types: tuple[str, ...] = Field(default=(), description="ccxt fetchMarkets types to load")
