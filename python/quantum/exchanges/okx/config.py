"""OKX v5 adapter configuration."""

from __future__ import annotations

from pydantic import Field

from quantum.exchanges.common.config import VenueConfig

__all__ = ["OkxConfig"]


class OkxConfig(VenueConfig):
    """OKX v5 settings; by default only perpetual swaps are loaded."""

    market_types: tuple[str, ...] = Field(
        default=("swap",), description="ccxt fetchMarkets types to load"
    )

    @property
    def has_credentials(self) -> bool:
        """Whether an API key, secret and passphrase are configured (OKX signs with all three)."""
        return super().has_credentials and self.passphrase is not None
