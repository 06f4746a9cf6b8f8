"""The routes' read cache: reuse per version, one read for concurrent misses, no cached errors."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from api.read_cache import ReadCache


def test_an_answer_is_reused_until_the_version_moves() -> None:
    cache = ReadCache()
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    async def run() -> list[int]:
        return [
            await cache.get("k", 1, read),
            await cache.get("k", 1, read),
            await cache.get("k", 2, read),
            await cache.get("k", 2, read),
            await cache.get("other", 2, read),
        ]

    assert asyncio.run(run()) == [1, 1, 2, 2, 3]
    assert (cache.hits, cache.misses) == (2, 3)


def test_concurrent_misses_share_one_read() -> None:
    cache = ReadCache()
    calls = 0
    gate = threading.Event()

    def read() -> str:
        nonlocal calls
        calls += 1
        gate.wait(5)
        return "answer"

    async def run() -> list[str]:
        waiters = [asyncio.ensure_future(cache.get("k", 7, read)) for _ in range(20)]
        await asyncio.sleep(0.05)
        gate.set()
        return list(await asyncio.gather(*waiters))

    assert asyncio.run(run()) == ["answer"] * 20
    assert calls == 1


def test_a_failed_read_is_not_kept() -> None:
    cache = ReadCache()
    outcomes = iter([RuntimeError("database away"), "ok"])

    def read() -> str:
        out = next(outcomes)
        if isinstance(out, Exception):
            raise out
        return out

    async def run() -> str:
        with pytest.raises(RuntimeError, match="database away"):
            await cache.get("k", 1, read)
        return str(await cache.get("k", 1, read))

    assert asyncio.run(run()) == "ok"
    assert len(cache) == 1


def test_entries_expire_and_the_cache_is_bounded() -> None:
    cache = ReadCache(max_entries=3, max_age_s=0.05)
    reads = 0

    def read() -> int:
        nonlocal reads
        reads += 1
        return reads

    async def run() -> None:
        assert await cache.get("a", 1, read) == 1
        time.sleep(0.06)
        assert await cache.get("a", 1, read) == 2  # expired: read again, same version
        for key in ("b", "c", "d"):
            await cache.get(key, 1, read)
        assert len(cache) == 3
        assert await cache.get("a", 1, read) == 6  # the oldest entry was evicted

    asyncio.run(run())


def test_an_older_read_finishing_late_does_not_replace_a_newer_answer() -> None:
    cache = ReadCache()
    slow_gate = threading.Event()

    def slow_old() -> str:
        slow_gate.wait(5)
        return "old"

    async def run() -> tuple[str, str, str]:
        old = asyncio.ensure_future(cache.get("k", 1, slow_old))
        await asyncio.sleep(0.02)
        new = await cache.get("k", 2, lambda: "new")
        slow_gate.set()
        late = await old
        return late, new, str(await cache.get("k", 2, lambda: "read again"))

    assert asyncio.run(run()) == ("old", "new", "new")
