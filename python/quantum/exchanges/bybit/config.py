"""Bybit v5 adapter configuration."""

from __future__ import annotations

from pydantic import Field

from quantum.exchanges.common.config import VenueConfig

__all__ = ["BybitConfig"]


class BybitConfig(VenueConfig):
    """Bybit v5 settings; by default only USDT-margined (linear) perpetuals are loaded."""

    market_types: tuple[str, ...] = Field(
        default=("linear",), description="ccxt fetchMarkets types to load"
    )
