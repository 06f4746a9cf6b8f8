"""Automation per account: on by default for admins on a fresh start, then the stored choice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.main import create_app
from fastapi.testclient import TestClient

from quantum.config import Settings
from quantum.runtime import ManualFeed, RuntimeOptions
from tests.api.conftest import ADMIN, ALICE, HARNESS_ENGINE, SYMBOLS, Harness, wait_for


def _ids(h: Harness) -> tuple[dict[str, str], int, dict[str, str], int]:
    admin, alice = h.login(ADMIN), h.login(ALICE)
    me = "/api/auth/me"
    return (
        admin,
        h.client.get(me, headers=admin).json()["id"],
        alice,
        h.client.get(me, headers=alice).json()["id"],
    )


def _restart(h: Harness, tmp_path: Path) -> TestClient:
    """Stop the service gracefully and build a new one on the same data directory."""
    data_dir = h.service.settings.data_dir
    h.client.__exit__(None, None, None)
    app = create_app(
        Settings(data_dir=data_dir, store_writer_process=False),
        feed_factory=lambda: ManualFeed(SYMBOLS),
        options=RuntimeOptions(engine_config=HARNESS_ENGINE),
        web_dir=tmp_path / "no-web",
    )
    return TestClient(app)


def _state(c: TestClient, user_id: int, headers: dict[str, str]) -> Any:
    r = c.get(f"/api/users/{user_id}/automation", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_fresh_start_automates_the_admins_account(fresh_harness: Harness) -> None:
    h = fresh_harness
    admin, admin_id, alice, alice_id = _ids(h)
    assert _state(h.client, admin_id, admin) == {"user_id": admin_id, "enabled": True}
    assert _state(h.client, alice_id, admin) == {"user_id": alice_id, "enabled": False}
    # Nothing is stored until someone chooses.
    assert not (h.service.settings.data_dir / "automation.json").exists()

    # The admin's strategies trade by themselves: a position opens without an execute call.
    def opened() -> Any:
        positions = h.client.get("/api/positions", headers=admin).json()
        if not positions:
            h.push(500)
        return positions

    wait_for(opened, timeout=60, what="an automated position on the admin's account")
    assert h.client.get("/api/signals?status=PENDING", headers=admin).json()["total"] == 0
    assert h.client.get("/api/signals?status=PENDING", headers=alice).json()["total"] > 0


def test_a_toggle_is_stored_and_wins_over_the_default(
    fresh_harness: Harness, tmp_path: Path
) -> None:
    h = fresh_harness
    admin, admin_id, _alice, alice_id = _ids(h)
    r = h.client.put(f"/api/users/{admin_id}/automation", json={"enabled": False}, headers=admin)
    assert r.json() == {"user_id": admin_id, "enabled": False}
    r = h.client.put(f"/api/users/{alice_id}/automation", json={"enabled": True}, headers=admin)
    assert r.json() == {"user_id": alice_id, "enabled": True}
    path = h.service.settings.data_dir / "automation.json"
    assert json.loads(path.read_text()) == [alice_id]

    with _restart(h, tmp_path) as again:
        token = again.post(
            "/api/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert _state(again, admin_id, headers)["enabled"] is False  # the choice, not the default
        assert _state(again, alice_id, headers)["enabled"] is True


def test_the_default_stays_until_a_choice_is_made(fresh_harness: Harness, tmp_path: Path) -> None:
    h = fresh_harness
    admin, admin_id, _alice, alice_id = _ids(h)
    # A choice about another account stores the admin's default with it.
    h.client.put(f"/api/users/{alice_id}/automation", json={"enabled": True}, headers=admin)
    stored = json.loads((h.service.settings.data_dir / "automation.json").read_text())
    assert stored == sorted([admin_id, alice_id])
    with _restart(h, tmp_path) as again:
        token = again.post(
            "/api/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert _state(again, admin_id, headers)["enabled"] is True


def test_reading_automation_is_for_admins(harness: Harness) -> None:
    admin, admin_id, alice, alice_id = _ids(harness)
    c = harness.client
    assert c.get(f"/api/users/{alice_id}/automation", headers=alice).status_code == 403
    assert c.get("/api/users/9999/automation", headers=admin).status_code == 404
    assert c.get("/api/users/0/automation", headers=admin).status_code == 422
    # The harness stored "nothing automated": the admin's default does not apply.
    assert _state(c, admin_id, admin)["enabled"] is False
