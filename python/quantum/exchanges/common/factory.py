"""Builds ccxt.pro exchange objects and the adapter clients from a :class:`VenueConfig`."""

from __future__ import annotations

from typing import Any

import ccxt.pro

from quantum.exchanges.common.config import VenueConfig

__all__ = ["ccxt_options", "create_ccxt_exchange"]


def ccxt_options(config: VenueConfig) -> dict[str, Any]:
    """The constructor options ccxt gets for ``config``."""
    options: dict[str, Any] = {
        "enableRateLimit": True,
        "timeout": config.timeout_ms,
        "options": {},
    }
    if config.market_types:
        options["options"]["fetchMarkets"] = {"types": list(config.market_types)}
    if config.api_key is not None:
        options["apiKey"] = config.api_key.get_secret_value()
    if config.api_secret is not None:
        options["secret"] = config.api_secret.get_secret_value()
    if config.passphrase is not None:
        options["password"] = config.passphrase.get_secret_value()
    return options


def create_ccxt_exchange(exchange_id: str, config: VenueConfig) -> Any:
    """A ccxt.pro exchange (REST and WebSocket in one object) configured from ``config``.

    Constructing it opens nothing; sockets and HTTP sessions start on first use.
    """
    exchange = getattr(ccxt.pro, exchange_id)(ccxt_options(config))
    if config.sandbox:
        exchange.set_sandbox_mode(True)
    return exchange
