"""The exchange adapters as the service uses them: by venue id, with its symbols resolved.

``quantum serve --feed exchange --exchange binanceusdm --symbols BTC/USDT:USDT`` builds its feed
with :func:`exchange_feed`: the venue's ccxt.pro exchange, its markets (so each ccxt unified
symbol gets the venue's native name, which the runtime, the API and the ticks use), the venue's
data client and an :class:`~quantum.runtime.exchange_feeds.ExchangeFeed` over it. The live
broker's execution client comes from :func:`execution_client`, with the user's stored keys.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any, Final, cast

import ccxt

from quantum.errors import BadSymbol, ConfigError
from quantum.exchanges.common.config import VenueConfig
from quantum.exchanges.common.data import CHANNELS, Channel, MarketDataClient
from quantum.exchanges.common.errors import map_ccxt_error
from quantum.exchanges.common.execution import ExecutionClient
from quantum.exchanges.common.factory import ccxt_options
from quantum.runtime.exchange_feeds import ExchangeFeed

__all__ = [
    "DEFAULT_CHANNELS",
    "VENUES",
    "exchange_feed",
    "execution_client",
    "native_symbols",
    "parse_channels",
    "venue_config",
]

#: The venues with an adapter, by ccxt id.
VENUES: Final[tuple[str, ...]] = ("binanceusdm", "bybit", "okx", "kraken", "krakenfutures")

#: What an exchange feed streams unless told: the checked book (quotes) and trades.
DEFAULT_CHANNELS: Final[tuple[Channel, ...]] = ("book", "trades", "liquidations")
"""What a feed runs unless told otherwise: the book, the trade prints and — where the venue
publishes them — the liquidations (the Liquidation Hunter needs both against each other)."""
#: Channels of the default that a venue without them simply does not run.
OPTIONAL_CHANNELS: Final[frozenset[Channel]] = frozenset({"liquidations"})

_CONFIG_CLASSES: Final[dict[str, str]] = {
    "binanceusdm": "BinanceUsdmConfig",
    "bybit": "BybitConfig",
    "okx": "OkxConfig",
    "kraken": "KrakenConfig",
    "krakenfutures": "KrakenFuturesConfig",
}


def _module(venue: str, part: str) -> ModuleType:
    if venue not in VENUES:
        raise ConfigError(f"unknown exchange {venue!r}; known: {', '.join(VENUES)}")
    return importlib.import_module(f"quantum.exchanges.{venue}.{part}")


def venue_config(venue: str, **fields: Any) -> VenueConfig:
    """The venue's adapter config (``fields`` such as ``api_key`` go to it)."""
    cls = getattr(_module(venue, "config"), _CONFIG_CLASSES[venue])
    return cast(VenueConfig, cls(**fields))


def parse_channels(text: str) -> tuple[Channel, ...]:
    """``"book,trades"`` as channels; :class:`ConfigError` for an unknown or empty list."""
    names = tuple(c.strip() for c in text.split(",") if c.strip())
    unknown = [c for c in names if c not in CHANNELS]
    if not names or unknown:
        raise ConfigError(f"channels must be some of {', '.join(CHANNELS)}; got {text!r}")
    return cast(tuple[Channel, ...], names)


def native_symbols(exchange: Any, unified: Sequence[str]) -> dict[str, str]:
    """``{native id: unified symbol}`` from the exchange's loaded markets, in the given order."""
    if not unified:
        raise ConfigError("an exchange feed needs at least one symbol")
    if not exchange.markets:
        raise ConfigError(f"{exchange.id}: markets are not loaded")
    out: dict[str, str] = {}
    for symbol in unified:
        market = exchange.markets.get(symbol)
        if market is None:
            raise BadSymbol(f"{exchange.id} has no market {symbol!r}")
        out[str(market["id"])] = symbol
    return out


def _load_markets_sync(venue: str, config: VenueConfig, exchange: Any) -> None:
    # The service builds its feed before its event loop runs the runtime, and a ccxt.pro object
    # belongs to the loop that first uses it; so the markets come from ccxt's synchronous
    # client (the same REST call) and are handed to the streaming object.
    factory = _module(venue, "factory")
    rest = getattr(ccxt, venue)(ccxt_options(config, factory.CCXT_OPTIONS))
    if config.sandbox:
        rest.set_sandbox_mode(True)
    try:
        rest.load_markets()
    except ccxt.BaseError as exc:
        raise map_ccxt_error(exc) from exc
    exchange.set_markets(rest.markets, rest.currencies)


def exchange_feed(
    venue: str,
    symbols: Sequence[str],
    channels: Sequence[Channel] = DEFAULT_CHANNELS,
    *,
    config: VenueConfig | None = None,
    exchange: Any | None = None,
    client_options: Mapping[str, Any] | None = None,
    load_markets: Callable[[str, VenueConfig, Any], None] | None = None,
) -> ExchangeFeed:
    """A runtime feed of ``venue`` for ccxt unified ``symbols`` on ``channels``.

    ``exchange`` injects a ready (or offline) ccxt.pro object; its markets are loaded with
    ``load_markets`` (default: ccxt's synchronous REST client) unless it already has them. ``client_options`` (``sleep``, ``clock_ns``)
    go to the data client.
    """
    cfg = config or venue_config(venue)
    factory = _module(venue, "factory")
    ex = exchange if exchange is not None else factory.create_exchange(cfg)
    if not ex.markets:
        (load_markets or _load_markets_sync)(venue, cfg, ex)
    mapping = native_symbols(ex, symbols)
    client: MarketDataClient = factory.create_data_client(cfg, ex, **dict(client_options or {}))
    if tuple(channels) == DEFAULT_CHANNELS:
        channels = [c for c in channels if c not in OPTIONAL_CHANNELS or client.offers(c)]
    return ExchangeFeed(client, mapping, channels, owns_exchange=exchange is None)


def execution_client(
    venue: str, config: VenueConfig, exchange: Any | None = None
) -> ExecutionClient:
    """The venue's order client for the live broker (``config`` carries the API keys)."""
    factory = _module(venue, "factory")
    return cast(ExecutionClient, factory.create_execution_client(config, exchange))
