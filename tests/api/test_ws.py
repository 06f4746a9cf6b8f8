"""The WebSocket: authentication, subscriptions, sequence numbers, fills pushed after an execute."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.api.conftest import ALICE, BOB, Harness, wait_for
from tests.api.test_api import _first_pending


def _receive_until(
    ws: WebSocketTestSession, kind: str, timeout: float = 15.0
) -> list[dict[str, Any]]:
    """Messages up to and including the first of type ``kind`` (status keeps the stream alive)."""
    got: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = json.loads(ws.receive_text())
        got.append(msg)
        if msg["type"] == kind:
            return got
    pytest.fail(f"no {kind!r} message within {timeout}s; got {[m['type'] for m in got]}")


def test_ws_rejects_unauthenticated(harness: Harness) -> None:
    with pytest.raises(WebSocketDisconnect) as info, harness.client.websocket_connect("/ws") as ws:
        ws.receive_text()
    assert info.value.code == 1008


def test_ws_token_subscribe_status_and_sequence(harness: Harness) -> None:
    token = harness.login(ALICE)["Authorization"].split()[1]
    with harness.client.websocket_connect(f"/ws?token={token}") as ws:
        ws.send_text(json.dumps({"op": "subscribe", "topics": ["status", "tick"], "symbols": []}))
        first = json.loads(ws.receive_text())
        assert first["type"] == "subscribed" and first["seq"] == 1
        assert first["data"]["topics"] == ["status", "tick"]
        harness.push(100)
        msgs = _receive_until(ws, "tick")
        msgs += _receive_until(ws, "status")
        seqs = [m["seq"] for m in msgs]
        assert seqs == list(range(2, 2 + len(seqs)))
        status = next(m for m in msgs if m["type"] == "status")["data"]
        assert status["ticks_processed"] >= 100 and status["engine_state"] == "running"
        tick = next(m for m in msgs if m["type"] == "tick")["data"]
        assert tick["exchange"] == "replay" and tick["symbol"] in ("BTCUSDT", "ETHUSDT")
        assert isinstance(tick["ts"], int) and isinstance(msgs[0]["ts"], int)


def test_ws_bad_messages_get_errors_not_disconnects(harness: Harness) -> None:
    harness.login(ALICE)  # the client keeps the session cookie
    with harness.client.websocket_connect("/ws") as ws:
        ws.send_text("not json")
        assert json.loads(ws.receive_text())["type"] == "error"
        ws.send_text(json.dumps({"op": "subscribe", "topics": ["nope"]}))
        err = json.loads(ws.receive_text())
        assert err["type"] == "error" and "nope" in err["data"]["detail"] and err["seq"] == 2


def test_ws_pushes_fill_after_execute_only_to_its_user(harness: Harness) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    bob_token = harness.login(BOB)["Authorization"].split()[1]
    alice_token = alice["Authorization"].split()[1]
    sub = json.dumps({"op": "subscribe", "topics": ["fill", "position", "status"]})
    with (
        c.websocket_connect(f"/ws?token={alice_token}") as ws_a,
        c.websocket_connect(f"/ws?token={bob_token}") as ws_b,
    ):
        ws_a.send_text(sub)
        ws_b.send_text(sub)
        assert json.loads(ws_a.receive_text())["type"] == "subscribed"
        assert json.loads(ws_b.receive_text())["type"] == "subscribed"
        signal = _first_pending(harness, alice)
        assert c.post(f"/api/signals/{signal['id']}/execute", headers=alice).status_code == 200
        harness.push(50)
        msgs = _receive_until(ws_a, "fill")
        fill = msgs[-1]["data"]
        assert fill["symbol"] == signal["symbol"] and fill["kind"] == "open"
        assert fill["side"] == ("BUY" if signal["side"] == "LONG" else "SELL")
        pos = _receive_until(ws_a, "position")[-1]["data"]
        assert pos["symbol"] == signal["symbol"]
        # Bob's stream carries status only: two more status messages and no fill in between.
        bob_msgs = _receive_until(ws_b, "status") + _receive_until(ws_b, "status")
        assert {m["type"] for m in bob_msgs} == {"status"}
        wait_for(lambda: harness.service.runtime.bus.clients == 2, what="two clients")


def test_logout_closes_the_sessions_websockets_only(harness: Harness) -> None:
    c = harness.client
    alice = harness.login(ALICE)
    other_alice = harness.login(ALICE)  # a second session of the same user
    ended, kept = (h["Authorization"].split()[1] for h in (alice, other_alice))
    sub = json.dumps({"op": "subscribe", "topics": ["status"]})
    with (
        c.websocket_connect(f"/ws?token={ended}") as ws_ended,
        c.websocket_connect(f"/ws?token={kept}") as ws_kept,
    ):
        for ws in (ws_ended, ws_kept):
            ws.send_text(sub)
            assert json.loads(ws.receive_text())["type"] == "subscribed"
        assert len(harness.service.sockets) == 2
        assert c.post("/api/auth/logout", headers=alice).status_code == 204
        with pytest.raises(WebSocketDisconnect) as info:
            while True:  # what was already queued may come first; then the close
                ws_ended.receive_text()
        assert info.value.code == 1008
        # The other session still receives its pushes.
        assert _receive_until(ws_kept, "status")[-1]["type"] == "status"
    wait_for(lambda: len(harness.service.sockets) == 0, timeout=10, what="connections forgotten")
    assert c.get("/api/risk", headers=alice).status_code == 401
    assert c.get("/api/risk", headers=other_alice).status_code == 200
