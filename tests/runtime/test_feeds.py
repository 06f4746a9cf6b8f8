"""Feeds: real-time pacing with present-day timestamps, looping, and the manual feed."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from quantum.data import generate
from quantum.errors import ConfigError
from quantum.runtime import ColumnsFeed, ManualFeed, synthetic_feed


def test_synthetic_feed_is_paced_and_restamped() -> None:
    feed = synthetic_feed(("BTCUSDT",), ticks_per_s=1000, block=300)

    async def take(n: int) -> tuple[list[int], float]:
        got: list[int] = []
        t0 = time.perf_counter()
        async for chunk in feed.chunks():
            assert feed.connected
            now = time.time_ns()
            assert np.all(chunk["ts_recv"] <= now) and np.all(now - chunk["ts_recv"] < 1e9)
            assert np.all(chunk["ts_recv"] - chunk["ts_event"] >= 0)
            got.append(len(chunk["ts_event"]))
            if sum(got) >= n:
                break
        return got, time.perf_counter() - t0

    sizes, elapsed = asyncio.run(take(450))
    # 450 ticks at 1,000/s take about 0.45 s (the second block is a new loop of the feed).
    assert sum(sizes) >= 450 and elapsed >= 0.3
    assert feed.loops == 1


def test_unpaced_feed_plays_once_without_loop() -> None:
    ticks = generate(1000, seed=1)
    feed = ColumnsFeed(
        lambda _i: ticks, exchange="replay", symbols=("BTCUSDT",), name="t", speed=0, loop=False
    )
    feed.max_chunk = 300

    async def collect() -> list[int]:
        return [len(c["price"]) async for c in feed.chunks()]

    assert asyncio.run(collect()) == [300, 300, 300, 100]
    assert not feed.connected


def test_manual_feed_and_bad_settings() -> None:
    feed = ManualFeed(("BTCUSDT",))

    async def run() -> int:
        feed.push(generate(10, seed=2))
        feed.end()
        return sum([len(c["price"]) async for c in feed.chunks()])

    assert asyncio.run(run()) == 10
    with pytest.raises(ConfigError):
        synthetic_feed(ticks_per_s=0)
