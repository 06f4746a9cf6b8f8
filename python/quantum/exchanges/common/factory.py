"""Builds ccxt.pro exchange objects and the adapter clients from a :class:`VenueConfig`."""

from __future__ import annotations

from typing import Any

import ccxt.pro

from quantum.exchanges.common.config import VenueConfig

__all__ = ["ccxt_options", "create_ccxt_exchange"]


def ccxt_options(
    config: VenueConfig,
    venue_options: dict[str, Any] | None = None,
    venue_has: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """The constructor options ccxt gets for ``config``; ``venue_options`` go into ccxt's
    per-exchange ``options`` (the adapter's fixed choices for that venue) and ``venue_has``
    overrides capability flags of ccxt's ``has`` (calls the adapter must not make)."""
    options: dict[str, Any] = {
        "enableRateLimit": True,
        "timeout": config.timeout_ms,
        "options": dict(venue_options or {}),
    }
    if venue_has:
        options["has"] = dict(venue_has)
    if config.market_types:
        options["options"]["fetchMarkets"] = {"types": list(config.market_types)}
    if config.api_key is not None:
        options["apiKey"] = config.api_key.get_secret_value()
    if config.api_secret is not None:
        options["secret"] = config.api_secret.get_secret_value()
    if config.passphrase is not None:
        options["password"] = config.passphrase.get_secret_value()
    return options


def create_ccxt_exchange(
    exchange_id: str,
    config: VenueConfig,
    venue_options: dict[str, Any] | None = None,
    venue_has: dict[str, bool] | None = None,
) -> Any:
    """A ccxt.pro exchange (REST and WebSocket in one object) configured from ``config``.

    Constructing it opens nothing; sockets and HTTP sessions start on first use.
    """
    exchange = getattr(ccxt.pro, exchange_id)(ccxt_options(config, venue_options, venue_has))
    if config.sandbox:
        exchange.set_sandbox_mode(True)
    return exchange
