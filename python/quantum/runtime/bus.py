"""The event bus: the runtime publishes, each WebSocket client reads its own bounded queue.

Publishing never waits. Each message is serialised once and framed per client with that client's
sequence number (``seq`` increases by one per message per connection). When a client's queue is
full, the client is slow: its queued messages are dropped and replaced by one ``resync`` message
(the dropped ones used up their sequence numbers, so the gap is visible too). The engine and the
other clients never wait for it.

All methods must be called from the event loop's thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["TOPICS", "USER_TOPICS", "EventBus", "Subscription"]

#: Topics a client may subscribe to.
TOPICS = frozenset({"tick", "signal", "fill", "position", "trade", "risk", "status"})
#: Topics whose messages belong to one user's account.
USER_TOPICS = frozenset({"signal", "fill", "position", "trade", "risk"})


_ORJSON_OPTS = orjson.OPT_NON_STR_KEYS


def _dumps(data: Any) -> str:
    # orjson in C, once per message whatever the number of clients; ``default=str`` keeps Decimal
    # (money) exact as a string, as ``json.dumps(default=str)`` did.
    return orjson.dumps(data, default=str, option=_ORJSON_OPTS).decode()


@dataclass(eq=False)
class Subscription:
    """One client's view of the bus."""

    user_id: int
    maxsize: int
    topics: frozenset[str] = frozenset()
    symbols: frozenset[str] = frozenset()
    seq: int = 0
    dropped: int = 0
    resyncs: int = 0
    queue: asyncio.Queue[str] = field(init=False)

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.maxsize)

    def frame(self, kind: str, ts: int, payload: str) -> str:
        """The next envelope of this connection (a JSON text)."""
        self.seq += 1
        return f'{{"type":"{kind}","seq":{self.seq},"ts":{ts},"data":{payload}}}'

    def offer(self, kind: str, ts: int, payload: str) -> None:
        """Queue a message, or drop the backlog and queue a ``resync`` when full."""
        self.offer_split(f'{{"type":"{kind}","seq":', f',"ts":{ts},"data":{payload}}}', ts)

    def offer_split(self, head: str, tail: str, ts: int) -> None:
        """Queue ``head + seq + tail``: the envelope is built once per message by the publisher
        and only this connection's ``seq`` is spliced in here."""
        self.seq += 1
        try:
            self.queue.put_nowait(f"{head}{self.seq}{tail}")
        except asyncio.QueueFull:
            self.dropped += self.queue.qsize() + 1
            self.resyncs += 1
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(self.frame("resync", ts, '{"reason":"slow_consumer"}'))

    def wants(self, topic: str, symbol: str | None) -> bool:
        """Whether this client subscribed to the topic (and symbol, when the message has one)."""
        if topic not in self.topics:
            return False
        return symbol is None or not self.symbols or symbol in self.symbols


class EventBus:
    """Fan-out of runtime events to subscriptions; never blocks the publisher."""

    def __init__(self, queue_size: int = 1024) -> None:
        self.queue_size = queue_size
        self._subs: set[Subscription] = set()
        self.published = 0

    def subscribe(self, user_id: int) -> Subscription:
        """A new client (no topics until it calls :meth:`set_topics`)."""
        sub = Subscription(user_id=user_id, maxsize=self.queue_size)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget a client."""
        self._subs.discard(sub)

    @staticmethod
    def set_topics(sub: Subscription, topics: Iterable[str], symbols: Iterable[str]) -> None:
        """Replace what a client receives; unknown topics raise ``ValueError``."""
        wanted = frozenset(topics)
        unknown = wanted - TOPICS
        if unknown:
            raise ValueError(f"unknown topic(s): {', '.join(sorted(unknown))}")
        sub.topics = wanted
        sub.symbols = frozenset(symbols)

    @property
    def clients(self) -> int:
        """Connected clients."""
        return len(self._subs)

    def publish(
        self,
        topic: str,
        data: Any,
        *,
        user_id: int | None = None,
        symbol: str | None = None,
        ts: int | None = None,
    ) -> int:
        """Send ``data`` to every matching client (only ``user_id``'s when given); returns count."""
        head: str | None = None
        tail = ""
        stamp = time.time_ns() if ts is None else ts
        sent = 0
        for sub in self._subs:
            if user_id is not None and sub.user_id != user_id:
                continue
            if not sub.wants(topic, symbol):
                continue
            if head is None:
                head = f'{{"type":"{topic}","seq":'
                tail = f',"ts":{stamp},"data":{_dumps(data)}}}'
            sub.offer_split(head, tail, stamp)
            sent += 1
        self.published += 1
        return sent
