"""Configuration shared by every exchange adapter (frozen, unknown fields rejected)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from quantum.exchanges.common.backoff import BackoffConfig

__all__ = ["VenueConfig"]


class VenueConfig(BaseModel):
    """Settings of one exchange adapter.

    Symbols are ccxt unified symbols (``BTC/USDT:USDT`` for a USDT-margined perpetual).
    Credentials are optional: market data needs none, and live order placement refuses to start
    without them. Secrets never have defaults other than "absent".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    market_types: tuple[str, ...] = Field(
        default=(),
        description="ccxt fetchMarkets types to load (empty: ccxt's default for the venue)",
    )
    book_depth: int = Field(default=50, gt=0, le=1000, description="levels per side emitted")
    poll_interval_s: float = Field(
        default=2.0, gt=0, description="REST polling period where a stream has no WebSocket"
    )
    timeout_ms: int = Field(default=10_000, gt=0, description="ccxt HTTP timeout")
    sandbox: bool = Field(default=False, description="use the venue's testnet")
    backoff: BackoffConfig = Field(default_factory=BackoffConfig)
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    passphrase: SecretStr | None = Field(default=None, description="OKX API passphrase")

    @property
    def has_credentials(self) -> bool:
        """Whether an API key and secret are configured."""
        return self.api_key is not None and self.api_secret is not None
