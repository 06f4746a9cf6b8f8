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
    """Open connections per session (the token's SHA-256, as the store keeps it) and user."""

    def __init__(self) -> None:
        self._by_session: dict[str, dict[Closer, int]] = {}

    def add(self, session: str, user_id: int, close: Closer) -> None:
        """Register a connection's ``close`` (stop its pushes, then close the socket)."""
        self._by_session.setdefault(session, {})[close] = user_id

    def discard(self, session: str, close: Closer) -> None:
        """Forget a connection that has ended."""
        closers = self._by_session.get(session)
        if closers is not None:
            closers.pop(close, None)
            if not closers:
                del self._by_session[session]

    async def close_session(self, session: str) -> int:
        """Close every connection of a session; how many there were."""
        closers = self._by_session.pop(session, {})
        await asyncio.gather(*(close() for close in closers))
        return len(closers)

    async def close_user(self, user_id: int) -> int:
        """Close every connection of a user, whatever the session; how many there were."""
        mine = [(s, c) for s, cs in self._by_session.items() for c, u in cs.items() if u == user_id]
        for session, close in mine:
            self.discard(session, close)
        await asyncio.gather(*(close() for _, close in mine))
        return len(mine)

    def __len__(self) -> int:
        return sum(len(c) for c in self._by_session.values())
