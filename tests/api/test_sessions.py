"""Login sessions live in the store: they survive a restart, and logout, expiry and role changes
end them."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from api.main import create_app
from fastapi.testclient import TestClient
from sqlalchemy import select

from quantum.config import Settings
from quantum.runtime import ManualFeed, RuntimeOptions
from quantum.store import Role, Store
from quantum.store.models import User, UserSession
from quantum.store.repositories.sessions import token_hash
from quantum.store.repositories.users import delete_user, set_role
from tests.api.conftest import ADMIN, ALICE, SYMBOLS


@pytest.fixture
def data_dir(tmp_path: Path, template_db: Path) -> Path:
    shutil.copy(template_db, tmp_path / "quantum.db")
    return tmp_path


@contextmanager
def running(data_dir: Path, **settings: object) -> Iterator[TestClient]:
    """One life of the service on ``data_dir`` (leaving the block is a shutdown)."""
    app = create_app(
        Settings(
            data_dir=data_dir,
            secret_key="k" * 40,
            store_writer_process=False,  # see the harness in conftest.py
            **settings,  # type: ignore[arg-type]
        ),
        feed_factory=lambda: ManualFeed(SYMBOLS),
        options=RuntimeOptions(status_interval_s=0.05),
        web_dir=data_dir / "no-web",
    )
    with TestClient(app) as client:
        yield client


def login(client: TestClient, user: tuple[str, str]) -> str:
    r = client.post("/api/auth/login", json={"username": user[0], "password": user[1]})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert isinstance(token, str)
    return token


def me(client: TestClient, token: str) -> int:
    return client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_session_survives_a_restart(data_dir: Path) -> None:
    with running(data_dir) as client:
        token = login(client, ALICE)
        assert me(client, token) == 200
    with running(data_dir) as client:
        r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["username"] == ALICE[0]
        # The cookie the login set works the same way.
        client.cookies.set("quantum_session", token)
        assert client.get("/api/auth/me").status_code == 200


def test_only_the_token_hash_is_stored(data_dir: Path) -> None:
    with running(data_dir) as client:
        token = login(client, ALICE)
    store = Store(f"sqlite:///{data_dir / 'quantum.db'}")
    try:
        with store.session() as session:
            rows = session.scalars(select(UserSession)).all()
            assert [r.token_hash for r in rows] == [token_hash(token)]
            assert token not in rows[0].token_hash
            row = rows[0]
            assert row.created_ts <= row.last_seen_ts < row.expires_ts
            assert row.expires_ts - row.created_ts == 12 * 3600 * 10**9
    finally:
        store.dispose()


def test_logout_then_restart_the_token_is_dead(data_dir: Path) -> None:
    with running(data_dir) as client:
        token = login(client, ALICE)
        other = login(client, ALICE)
        r = client.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 204
        assert me(client, token) == 401
        assert me(client, other) == 200  # only that session ended
    with running(data_dir) as client:
        assert me(client, token) == 401
        assert me(client, other) == 200


def test_an_expired_session_is_refused_and_purged(data_dir: Path) -> None:
    with running(data_dir, session_ttl_s=0.3) as client:
        token = login(client, ALICE)
        assert me(client, token) == 200  # now cached in the process
        service = client.app.state.service  # type: ignore[attr-defined]
        digest = token_hash(token)
        with service.store.session() as session:
            row = session.scalars(select(UserSession).where(UserSession.token_hash == digest)).one()
            expires = row.expires_ts
        while time.time_ns() < expires:
            time.sleep(0.02)
        assert me(client, token) == 401  # the cache honours expiry too
        with service.store.session() as session:
            assert session.scalars(select(UserSession)).all() == []
    with running(data_dir, session_ttl_s=0.3) as client:
        assert me(client, token) == 401


def test_an_expired_session_is_refused_after_a_restart(data_dir: Path) -> None:
    with running(data_dir) as client:
        token = login(client, ALICE)
    store = Store(f"sqlite:///{data_dir / 'quantum.db'}")
    try:
        with store.session() as session:
            row = session.scalars(select(UserSession)).one()
            row.expires_ts = row.created_ts + 1  # long past
    finally:
        store.dispose()
    with running(data_dir) as client:
        assert me(client, token) == 401


def test_role_change_and_deletion_end_the_sessions(data_dir: Path) -> None:
    with running(data_dir) as client:
        alice = login(client, ALICE)
        admin = login(client, ADMIN)
        service = client.app.state.service  # type: ignore[attr-defined]
        assert me(client, alice) == 200 and me(client, admin) == 200
        with service.store.session() as session:
            user = session.scalars(select(User).where(User.username == ALICE[0])).one()
            set_role(session, user, Role.ADMIN)
            alice_id = user.id
        service.sessions.forget_user(alice_id)
        assert me(client, alice) == 401
        assert me(client, admin) == 200
        alice = login(client, ALICE)
        r = client.get("/api/auth/me", headers={"Authorization": f"Bearer {alice}"})
        assert r.json()["role"] == "admin"
        with service.store.session() as session:
            assert delete_user(session, alice_id)
        service.sessions.forget_user(alice_id)
        assert me(client, alice) == 401
    with running(data_dir) as client:
        assert me(client, alice) == 401
        assert me(client, admin) == 200


def test_a_user_disabled_by_another_process_is_logged_out(data_dir: Path) -> None:
    """The lookup reads the store once its cache entry is ``cache_s`` old (0 here)."""
    with running(data_dir) as client:
        token = login(client, ALICE)
        service = client.app.state.service  # type: ignore[attr-defined]
        service.sessions.cache_s = 0.0  # every lookup reads the store
        assert me(client, token) == 200
        other = Store(f"sqlite:///{data_dir / 'quantum.db'}")
        try:
            with other.session() as session:
                user = session.scalars(select(User).where(User.username == ALICE[0])).one()
                user.is_active = False
        finally:
            other.dispose()
        assert me(client, token) == 401


def test_drop_user_ends_every_session_of_that_user_at_once(data_dir: Path) -> None:
    with running(data_dir) as client:
        a1, a2, admin = login(client, ALICE), login(client, ALICE), login(client, ADMIN)
        assert me(client, a1) == me(client, a2) == me(client, admin) == 200  # all cached
        service = client.app.state.service  # type: ignore[attr-defined]
        alice_id = client.get("/api/auth/me", headers={"Authorization": f"Bearer {a1}"}).json()[
            "id"
        ]
        service.sessions.drop_user(alice_id)
        assert me(client, a1) == me(client, a2) == 401
        assert me(client, admin) == 200
    with running(data_dir) as client:
        assert me(client, a1) == me(client, a2) == 401
        assert me(client, admin) == 200
