"""Pieces shared by every exchange adapter: normalized types, errors, backoff, checksums."""

from quantum.exchanges.common.backoff import Backoff, BackoffConfig
from quantum.exchanges.common.config import VenueConfig
from quantum.exchanges.common.errors import map_ccxt_error
from quantum.exchanges.common.types import (
    LIQ_LONGS,
    LIQ_SHORTS,
    TICK_COLUMNS,
    BookMessage,
    Event,
    Tick,
    ticks_to_columns,
)

__all__ = [
    "LIQ_LONGS",
    "LIQ_SHORTS",
    "TICK_COLUMNS",
    "Backoff",
    "BackoffConfig",
    "BookMessage",
    "Event",
    "Tick",
    "VenueConfig",
    "map_ccxt_error",
    "ticks_to_columns",
]
