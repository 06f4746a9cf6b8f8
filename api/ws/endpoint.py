"""``/ws``: authenticated push of runtime events, per-client bounded queue (see runtime.bus)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from api.deps import service_of, session_token
from quantum.runtime.bus import EventBus, Subscription

router = APIRouter()

_POLICY_VIOLATION = 1008


async def _send_loop(ws: WebSocket, sub: Subscription) -> None:
    while True:
        text = await sub.queue.get()
        await ws.send_text(text)


def _error(sub: Subscription, message: str) -> str:
    return sub.frame("error", time.time_ns(), json.dumps({"detail": message}))


async def _handle(ws: WebSocket, sub: Subscription, raw: str) -> None:
    try:
        msg: Any = json.loads(raw)
    except ValueError:
        sub.queue.put_nowait(_error(sub, "messages must be JSON"))
        return
    if not isinstance(msg, dict) or msg.get("op") != "subscribe":
        sub.queue.put_nowait(_error(sub, 'expected {"op": "subscribe", "topics": [...]}'))
        return
    topics, symbols = msg.get("topics", []), msg.get("symbols", [])
    if not (
        isinstance(topics, list)
        and isinstance(symbols, list)
        and all(isinstance(t, str) for t in topics + symbols)
    ):
        sub.queue.put_nowait(_error(sub, "topics and symbols must be lists of strings"))
        return
    try:
        EventBus.set_topics(sub, topics, symbols)
    except ValueError as exc:
        sub.queue.put_nowait(_error(sub, str(exc)))
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
    sub = bus.subscribe(user.id)
    sender = asyncio.create_task(_send_loop(ws, sub))
    try:
        while True:
            raw = await ws.receive_text()
            await _handle(ws, sub, raw)
    except WebSocketDisconnect:
        pass
    finally:
        bus.unsubscribe(sub)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
