"""The paper-trading runtime behind ``quantum serve``.

Feeds (the shipped real recording, synthetic, replay of a recording) → per-account :class:`quantum.Engine` (paper broker = the
core's fill model) → store writer → event bus (bounded per-client queues). See
:class:`quantum.runtime.service.Runtime`.
"""

from __future__ import annotations

from quantum.runtime.bus import EventBus, Subscription
from quantum.runtime.feeds import (
    ColumnsFeed,
    Feed,
    ManualFeed,
    embedded_feed,
    replay_feed,
    synthetic_feed,
)
from quantum.runtime.latency import LatencyWindow
from quantum.runtime.service import Runtime, RuntimeOptions

__all__ = [
    "ColumnsFeed",
    "EventBus",
    "Feed",
    "LatencyWindow",
    "ManualFeed",
    "Runtime",
    "RuntimeOptions",
    "Subscription",
    "embedded_feed",
    "replay_feed",
    "synthetic_feed",
]
