"""Run the real ccxt / ccxt.pro code offline: canned HTTP responses and a fake WebSocket.

Only the transport is replaced. For REST, the exchange instance's ``fetch`` (ccxt's one HTTP
call) is swapped for a function that serves recorded native bodies by URL and still runs ccxt's
own ``handle_errors`` / ``handle_http_status_code``, so URL building, signing, ``load_markets``,
error translation and parsing are all ccxt's. For WebSocket, the client for a URL is put in an
"already connected" state with a connection stub that records what is sent, and native messages
are fed to the exchange's ``handle_message`` — the entry point ccxt.pro's receive loop uses.
Nothing opens a socket. This mirrors the mock transport of ccxt's own static tests.

It serves replaying recorded sessions through ccxt as well as the adapter tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from quantum.errors import DataError

__all__ = ["CannedHttp", "FakeWsConnection", "OfflineWs", "Response"]


@dataclass(frozen=True)
class Response:
    """A canned HTTP response: status and a JSON body (or raw text)."""

    body: Any
    status: int = 200
    reason: str = "OK"


@dataclass
class CannedHttp:
    """Serves canned responses to one ccxt exchange instance, matched by URL substring.

    ``routes`` maps a URL fragment (for example ``"/fapi/v1/depth"``) to a :class:`Response`,
    a plain JSON body, or an exception instance to raise (a ccxt ``RequestTimeout`` to simulate
    a timeout). The longest matching fragment wins. Every request is recorded in ``calls`` as
    ``(method, url, headers, body)``. A request with no route raises :class:`DataError`, so a
    test fails on any unexpected call.
    """

    routes: dict[str, Any]
    calls: list[tuple[str, str, Any, Any]] = field(default_factory=list)

    def install(self, exchange: Any) -> Any:
        """Replace ``exchange.fetch`` with the canned transport; returns the exchange."""

        async def fetch(
            url: str, method: str = "GET", headers: Any = None, body: Any = None
        ) -> Any:
            self.calls.append((method, url, headers, body))
            matches = [frag for frag in self.routes if frag in url]
            if not matches:
                raise DataError(f"no canned response for {method} {url}")
            route = self.routes[max(matches, key=len)]
            if isinstance(route, BaseException):
                raise route
            resp = route if isinstance(route, Response) else Response(route)
            text = resp.body if isinstance(resp.body, str) else orjson.dumps(resp.body).decode()
            parsed = exchange.parse_json(text)
            exchange.handle_errors(
                resp.status, resp.reason, url, method, {}, text, parsed, headers, body
            )
            exchange.handle_http_status_code(resp.status, resp.reason, url, method, text)
            return parsed

        exchange.fetch = fetch
        return exchange

    def urls(self) -> list[str]:
        """The URLs requested so far, in order."""
        return [c[1] for c in self.calls]


class FakeWsConnection:
    """Stands in for the aiohttp WebSocket of a ccxt.pro client; records sent frames."""

    closed = False

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send_str(self, message: str) -> None:
        """Record one outgoing frame (ccxt sends JSON text)."""
        self.sent.append(orjson.loads(message))

    async def send_json(self, message: Any) -> None:
        """Record one outgoing frame sent as an object."""
        self.sent.append(message)

    async def close(self, code: int = 1000) -> None:
        """Mark closed (ccxt calls this on ``exchange.close()``)."""
        self.closed = True


class OfflineWs:
    """Connects every ccxt.pro client of an exchange to a :class:`FakeWsConnection` stub.

    :meth:`install` wraps ``exchange.client`` so each client is created already connected:
    ``watch_*`` then subscribes (the frame is recorded) and waits for messages, which the test
    delivers with :meth:`feed`.
    """

    def __init__(self, exchange: Any) -> None:
        self.exchange = exchange
        self.connections: dict[str, FakeWsConnection] = {}

    def install(self) -> OfflineWs:
        """Make every client the exchange creates from now on connect to a stub."""
        original = self.exchange.client

        def client(url: str) -> Any:
            c = original(url)
            if url not in self.connections:
                conn = FakeWsConnection()
                c.connecting = True
                c.connection = conn
                c.isConnected = True
                if not c.connected.done():
                    c.connected.resolve(url)
                self.connections[url] = conn
            return c

        self.exchange.client = client
        return self

    def url(self) -> str:
        """The most recently connected URL (ccxt may open one client per stream family)."""
        if not self.connections:
            raise DataError("no WebSocket client connected yet")
        return next(reversed(self.connections))

    def feed(self, message: Mapping[str, Any] | list[Any] | str, url: str | None = None) -> None:
        """Deliver one native message (parsed JSON, or raw text) to the exchange's handler, on
        ``url`` or on the most recently connected client."""
        msg = orjson.loads(message) if isinstance(message, str) else message
        self.exchange.handle_message(self.exchange.client(url or self.url()), msg)

    async def wait_sent(
        self, count: int = 1, url: str | None = None, rounds: int = 200
    ) -> list[Any]:
        """Let the event loop run until ``count`` frames were sent on ``url`` (default: the
        most recent client) and return them. ccxt sends subscriptions from a callback once the
        connection future resolves; this raises :class:`DataError` if they never come instead
        of hanging the caller."""
        for _ in range(rounds):
            if self.connections:
                conn = self.connections.get(url or self.url())
                if conn is not None and len(conn.sent) >= count:
                    return conn.sent
            await asyncio.sleep(0)
        raise DataError(f"fewer than {count} frame(s) sent after {rounds} loop rounds")

    def sent(self, url: str | None = None) -> list[Any]:
        """Frames the exchange sent on ``url`` (or the most recent client), parsed."""
        return self.connections[url or self.url()].sent
