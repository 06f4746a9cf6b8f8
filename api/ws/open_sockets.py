"""The open ``/ws`` connections by session, so ending a session also ends its pushes.

A WebSocket is authenticated once, at the handshake. Without this, a connection opened with a
session that was then logged out would go on receiving the account's events until the client
hung up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

__all__ = ["OpenSockets"]

Closer = Callable[[], Awaitable[None]]


class OpenSockets:
    """Open connections per session (the token's SHA-256, as the store keeps it)."""

    def __init__(self) -> None:
        self._by_session: dict[str, set[Closer]] = {}

    def add(self, session: str, close: Closer) -> None:
        """Register a connection's ``close`` (stop its pushes, then close the socket)."""
        self._by_session.setdefault(session, set()).add(close)

    def discard(self, session: str, close: Closer) -> None:
        """Forget a connection that has ended."""
        closers = self._by_session.get(session)
        if closers is not None:
            closers.discard(close)
            if not closers:
                del self._by_session[session]

    async def close_session(self, session: str) -> int:
        """Close every connection of a session; how many there were."""
        closers = self._by_session.pop(session, set())
        await asyncio.gather(*(close() for close in closers))
        return len(closers)

    def __len__(self) -> int:
        return sum(len(c) for c in self._by_session.values())
