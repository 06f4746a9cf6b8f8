"""Exchange adapters on ccxt / ccxt.pro, one sub-package per venue.

Each venue has the same shape: ``config`` (frozen pydantic settings), ``parse`` (pure functions
from native venue JSON to :class:`~quantum.exchanges.common.types.Tick` and
:class:`~quantum.exchanges.common.types.BookMessage`), ``data`` (async market-data client),
``execution`` (order placement for the live broker) and ``factory``.
"""

from quantum.exchanges.common import (
    BookMessage,
    Event,
    Tick,
    VenueConfig,
    map_ccxt_error,
    ticks_to_columns,
)

#: The venues with an adapter, by ccxt id.
VENUES = ("binanceusdm", "bybit", "okx", "kraken", "krakenfutures")

__all__ = [
    "VENUES",
    "BookMessage",
    "Event",
    "Tick",
    "VenueConfig",
    "map_ccxt_error",
    "ticks_to_columns",
]
