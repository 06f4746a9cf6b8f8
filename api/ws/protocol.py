"""uvicorn's WebSocket protocol, handing each connection's transport to the ``/ws`` endpoint.

The event bus writes pushed messages as finished WebSocket frames straight to the connection's
asyncio transport (see :mod:`quantum.runtime.bus`) instead of going through the ASGI ``send`` of
every connection. This protocol is uvicorn's ``websockets-sansio`` one (handshake, client
messages, ping/pong, close) that also puts the transport into the ASGI scope under the
:data:`PUSH_TRANSPORT` extension. Under any other server (or the test client) the extension is
absent and the endpoint falls back to sending through ASGI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from quantum.runtime.bus import FrameTransport

__all__ = ["PUSH_TRANSPORT", "PushWebSocketProtocol", "push_transport"]

#: ASGI scope extension holding ``{"transport": asyncio.Transport}`` of the WebSocket connection.
PUSH_TRANSPORT = "quantum.push_transport"


class PushWebSocketProtocol(WebSocketsSansIOProtocol):
    """``uvicorn.run(..., ws=PushWebSocketProtocol)``: uvicorn's sans-I/O WebSocket protocol whose
    ASGI scope carries the connection's transport."""

    async def run_asgi(self) -> None:
        # Set here, in the task that calls the app, rather than after the scope is built, so the
        # app sees it whatever the task factory does.
        self.scope.setdefault("extensions", {})[PUSH_TRANSPORT] = {"transport": self.transport}
        await super().run_asgi()


def push_transport(scope: Mapping[str, Any]) -> FrameTransport | None:
    """The transport a connection's frames may be written to, or None (not served by
    :class:`PushWebSocketProtocol`)."""
    ext = (scope.get("extensions") or {}).get(PUSH_TRANSPORT)
    if not isinstance(ext, dict):
        return None
    transport: FrameTransport | None = ext.get("transport")
    return transport
