"""Kraken spot adapter configuration."""

from __future__ import annotations

from pydantic import Field

from quantum.exchanges.common.config import VenueConfig

__all__ = ["KrakenConfig"]


class KrakenConfig(VenueConfig):
    """Kraken spot settings; by default only spot pairs are loaded."""

    market_types: tuple[str, ...] = Field(default=(), description="ccxt fetchMarkets types to load")
