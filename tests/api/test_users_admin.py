"""Admin changes to users: role, disable / enable; sessions and WebSockets end with the change."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.api.conftest import ADMIN, ALICE, Harness, wait_for


def _id(harness: Harness, headers: dict[str, str]) -> int:
    return int(harness.client.get("/api/auth/me", headers=headers).json()["id"])


def test_a_role_change_ends_the_users_sessions_and_websockets(harness: Harness) -> None:
    c = harness.client
    admin, alice = harness.login(ADMIN), harness.login(ALICE)
    alice_id = _id(harness, alice)
    url = f"/api/users/{alice_id}"
    assert c.patch(url, json={"role": "admin"}, headers=alice).status_code == 403
    token = alice["Authorization"].split()[1]
    with c.websocket_connect(f"/ws?token={token}") as ws:
        ws.send_text(json.dumps({"op": "subscribe", "topics": ["status"]}))
        assert json.loads(ws.receive_text())["type"] == "subscribed"
        r = c.patch(url, json={"role": "admin"}, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json() == {"id": alice_id, "username": "alice", "role": "admin", "active": True}
        with pytest.raises(WebSocketDisconnect) as info:
            while True:
                ws.receive_text()
        assert info.value.code == 1008
    # The old session is gone; the new role applies from the next login.
    assert c.get("/api/risk", headers=alice).status_code == 401
    again = harness.login(ALICE)
    assert c.get("/api/users", headers=again).status_code == 200
    wait_for(lambda: len(harness.service.sockets) == 0, timeout=10, what="connections forgotten")


def test_a_disabled_user_cannot_log_in_until_enabled(harness: Harness) -> None:
    c = harness.client
    admin, alice = harness.login(ADMIN), harness.login(ALICE)
    url = f"/api/users/{_id(harness, alice)}"
    assert c.patch(url, json={"active": False}, headers=admin).json()["active"] is False
    assert c.get("/api/risk", headers=alice).status_code == 401
    login = {"username": ALICE[0], "password": ALICE[1]}
    assert c.post("/api/auth/login", json=login).status_code == 401
    listed = {u["username"]: u for u in c.get("/api/users", headers=admin).json()}
    assert listed["alice"]["active"] is False and listed["admin"]["active"] is True
    assert c.patch(url, json={"active": True}, headers=admin).json()["active"] is True
    assert c.post("/api/auth/login", json=login).status_code == 200


def test_the_last_active_admin_stays_and_bad_updates_are_4xx(harness: Harness) -> None:
    c = harness.client
    admin = harness.login(ADMIN)
    url = f"/api/users/{_id(harness, admin)}"
    for change in ({"role": "user"}, {"active": False}):
        r = c.patch(url, json=change, headers=admin)
        assert r.status_code == 409 and "last active admin" in r.json()["detail"]
    assert c.get("/api/risk", headers=admin).status_code == 200  # nothing changed, still in
    assert c.patch("/api/users/9999", json={"active": True}, headers=admin).status_code == 404
    assert c.patch(url, json={"role": "root"}, headers=admin).status_code == 422
    assert c.patch(url, json={"password": "x"}, headers=admin).status_code == 422
    assert c.patch("/api/users/0", json={}, headers=admin).status_code == 422
    # A no-op update keeps the session.
    assert c.patch(url, json={}, headers=admin).json()["role"] == "admin"
    assert c.get("/api/risk", headers=admin).status_code == 200
