"""``/ws``: authenticated push of runtime events (see :mod:`quantum.runtime.bus`).

Served by :class:`api.ws.protocol.PushWebSocketProtocol` (what ``quantum serve`` runs), the bus
writes each pushed frame straight to the connection's transport and this handler only reads the
client's messages. Under another server it falls back to a per-connection queue and send task.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from api.deps import service_of, session_token
from api.ws.protocol import push_transport
from quantum.runtime.bus import EventBus, QueueSubscription, Subscription
from quantum.store.repositories.sessions import token_hash

router = APIRouter()

_POLICY_VIOLATION = 1008
#: How long ending a session waits for a connection to take its close frame. A client that reads
#: nothing cannot take it (its connection stays paused for writing); it is then cut off, so the
#: logout that ended the session does not wait on it.
_CLOSE_WAIT_S = 2.0


async def _send_loop(ws: WebSocket, sub: QueueSubscription) -> None:
    while True:
        text = await sub.queue.get()
        await ws.send_text(text)


def _error(sub: Subscription, message: str) -> None:
    sub.offer("error", time.time_ns(), json.dumps({"detail": message}))


def _handle(sub: Subscription, raw: str) -> None:
    try:
        msg: Any = json.loads(raw)
    except ValueError:
        _error(sub, "messages must be JSON")
        return
    if not isinstance(msg, dict) or msg.get("op") != "subscribe":
        _error(sub, 'expected {"op": "subscribe", "topics": [...]}')
        return
    topics, symbols = msg.get("topics", []), msg.get("symbols", [])
    if not (
        isinstance(topics, list)
        and isinstance(symbols, list)
        and all(isinstance(t, str) for t in topics + symbols)
    ):
        _error(sub, "topics and symbols must be lists of strings")
        return
    try:
        EventBus.set_topics(sub, topics, symbols)
    except ValueError as exc:
        _error(sub, str(exc))
        return
    data = json.dumps({"topics": sorted(sub.topics), "symbols": sorted(sub.symbols)})
    sub.offer("subscribed", time.time_ns(), data)


@router.websocket("/ws")
async def websocket(ws: WebSocket) -> None:
    """Authenticated by the session cookie, a bearer header or ``?token=``."""
    service = service_of(ws)
    user = service.sessions.get(session_token(ws))
    if user is None:
        await ws.close(code=_POLICY_VIOLATION, reason="not authenticated")
        return
    await ws.accept()
    bus = service.runtime.bus
    transport = push_transport(ws.scope)
    sub: Subscription
    sender: asyncio.Task[None] | None = None
    if transport is not None:
        sub = bus.subscribe(user.id, transport)
    else:
        queued = bus.subscribe(user.id)
        sender = asyncio.create_task(_send_loop(ws, queued))
        sub = queued
    session = token_hash(session_token(ws) or "")

    async def end_session() -> None:
        # Off the bus first: no event frame may follow the close frame.
        bus.unsubscribe(sub)
        try:
            await asyncio.wait_for(
                ws.close(code=_POLICY_VIOLATION, reason="session ended"), _CLOSE_WAIT_S
            )
        except TimeoutError:
            if transport is not None:
                transport.abort()
        except Exception:  # the client may be gone already
            pass

    service.sockets.add(session, user.id, end_session)
    try:
        while True:
            _handle(sub, await ws.receive_text())
    except WebSocketDisconnect:
        pass
    finally:
        service.sockets.discard(session, end_session)
        bus.unsubscribe(sub)
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
