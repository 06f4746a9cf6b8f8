"""Binance USD-M futures adapter configuration."""

from __future__ import annotations

from pydantic import Field

from quantum.exchanges.common.config import VenueConfig

__all__ = ["BinanceUsdmConfig"]


class BinanceUsdmConfig(VenueConfig):
    """Binance USD-M futures settings; by default only USDT-margined contracts are loaded."""

    market_types: tuple[str, ...] = Field(
        default=("linear",), description="ccxt fetchMarkets types to load"
    )
