"""The event bus: per-user routing, topic/symbol filters, slow clients drop and resync."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest

from quantum.runtime import EventBus


def _drain(q: asyncio.Queue[str]) -> list[dict[str, Any]]:
    out = []
    while not q.empty():
        out.append(json.loads(q.get_nowait()))
    return out


def test_routing_and_filters() -> None:
    async def run() -> None:
        bus = EventBus(queue_size=16)
        a, b = bus.subscribe(1), bus.subscribe(2)
        bus.set_topics(a, ["fill", "tick"], ["BTCUSDT"])
        bus.set_topics(b, ["fill", "tick"], [])
        bus.publish("fill", {"symbol": "BTCUSDT"}, user_id=1)
        bus.publish("tick", {"symbol": "ETHUSDT"}, symbol="ETHUSDT")
        bus.publish("tick", {"symbol": "BTCUSDT"}, symbol="BTCUSDT")
        bus.publish("status", {"x": 1})
        got_a, got_b = _drain(a.queue), _drain(b.queue)
        assert [(m["type"], m["seq"]) for m in got_a] == [("fill", 1), ("tick", 2)]
        assert [m["data"] for m in got_b] == [{"symbol": "ETHUSDT"}, {"symbol": "BTCUSDT"}]
        with pytest.raises(ValueError, match="bogus"):
            bus.set_topics(a, ["bogus"], [])

    asyncio.run(run())


def test_slow_client_is_resynced_and_others_are_not_affected() -> None:
    async def run() -> None:
        bus = EventBus(queue_size=4)
        slow, fast = bus.subscribe(1), bus.subscribe(1)
        for sub in (slow, fast):
            bus.set_topics(sub, ["status"], [])
        for i in range(4):
            bus.publish("status", {"i": i})
        assert [m["seq"] for m in _drain(fast.queue)] == [1, 2, 3, 4]
        for i in range(4, 7):
            bus.publish("status", {"i": i})
        # The slow client's 5th message overflowed: its backlog was replaced by a resync.
        got = _drain(slow.queue)
        assert got[0]["type"] == "resync" and got[0]["data"] == {"reason": "slow_consumer"}
        assert [m["seq"] for m in got] == [6, 7, 8]  # 1..5 dropped: the gap is visible too
        assert [m["data"]["i"] for m in got[1:]] == [5, 6]
        assert slow.resyncs == 1 and slow.dropped == 5 and fast.resyncs == 0
        assert [m["data"]["i"] for m in _drain(fast.queue)] == [4, 5, 6]

    asyncio.run(run())


def test_envelope_is_shared_but_seq_is_per_connection() -> None:
    async def run() -> None:
        bus = EventBus(queue_size=16)
        a, b = bus.subscribe(1), bus.subscribe(2)
        for sub in (a, b):
            bus.set_topics(sub, ["tick", "status"], [])
        bus.publish("status", {"i": 0}, ts=5)
        bus.set_topics(b, ["tick"], [])
        data = {"price": Decimal("65000.12345678"), 7: "int key", "nested": [1.5, None]}
        assert bus.publish("tick", data, symbol="BTCUSDT", ts=123) == 2
        raw_a = [a.queue.get_nowait() for _ in range(2)]
        raw_b = [b.queue.get_nowait() for _ in range(2)]
        # Same bytes except this connection's seq; money stays an exact string.
        assert raw_a[1] == (
            '{"type":"tick","seq":2,"ts":123,"data":'
            '{"price":"65000.12345678","7":"int key","nested":[1.5,null]}}'
        )
        assert raw_b[1] == raw_a[1]
        bus.publish("tick", {"x": 1}, ts=9)
        assert json.loads(a.queue.get_nowait())["seq"] == 3
        assert json.loads(b.queue.get_nowait())["seq"] == 3
        bus.publish("status", {"x": 1}, ts=9)
        assert json.loads(a.queue.get_nowait())["seq"] == 4
        assert b.queue.empty()

    asyncio.run(run())
